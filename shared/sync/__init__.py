"""The sync protocol: engine, journal, confirmations, recovery, versions, identity, rows, the maps' translation
and validation, the geo index, the word index of searches, the error log, and the store."""
