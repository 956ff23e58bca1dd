"""`fs-scm-sync`: the operator's command line, a client of the app's HTTP routes (and, for `import`,
of the storage account itself)."""
