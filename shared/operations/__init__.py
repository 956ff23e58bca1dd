"""Operating the sync: pause and catch-up, status, error-log retries, alerts (docs/operating.md)."""
