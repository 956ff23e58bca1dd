"""The trigger functions: thin adapters between the Functions host and the sync core in `shared/`."""
