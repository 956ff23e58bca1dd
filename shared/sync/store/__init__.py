"""The Table store: one table per entity, PartitionKey `FS` / `SCM` for each system's records.

A row holds the record in its own system's schema plus the sync metadata (columns `Sync*`; see
rows.py). The lead partition also holds one guard row per company and the index rows of operations in
flight (docs/sync-protocol.md); a table of records with positions, their position index rows
(shared/sync/geo.py); a table of records with search fields, their words' index rows
(shared/sync/search.py). Every Azure error leaves here as one of two things: `WriteConflictError`
(someone else wrote first: re-read and decide again) or `TransientError` (storage failed: the caller
may retry).

The store is one class made of four, each a file: access.py (the client, point reads, how errors
leave), writes.py (conditional writes with what goes in their transaction), scans.py (queries),
upkeep.py (what recovery reads and mends); entities.py says what a transaction is made of.
"""

from __future__ import annotations

from shared.sync.store.access import calling_thread, in_parallel
from shared.sync.store.entities import MAX_BATCH, PARTITION, Pending, Write
from shared.sync.store.upkeep import Upkeep


class EntityStore(Upkeep):
    """Rows of one entity table. Thread-safe; creates its table on first use, and again if it is dropped."""


__all__ = ["MAX_BATCH", "PARTITION", "EntityStore", "Pending", "Write", "calling_thread", "in_parallel"]
