"""The sync core of fs-scm-sync. Host-free: nothing here imports azure.functions."""
