"""Operating the sync: pause and catch-up, status, error-log retries, alerts (DESIGN.md, "Operations contract")."""
