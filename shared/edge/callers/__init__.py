"""What real callers send and who they are: credentials per system and role, Dataverse webhooks, F&O
events, lookups by GUID, and the OpenAPI description of every route (docs/calling.md,
"Credentials and signatures", and docs/connecting.md)."""
