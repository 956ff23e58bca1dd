"""The sync protocol: engine, journal, confirmations, recovery, versions, identity, rows, the maps' translation
and validation, the geo index, the error log, and the store."""
