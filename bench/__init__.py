"""`make bench`: how fast the sync runs on Azurite, next to the least a two-sided write can cost.

Run on demand (`python -m bench`), never by the tests. It starts its own in-memory Azurite on free
ports and prints, in one run: each path's throughput against two raw upserts (in-process, and the app
under the local host); HTTP creates from 1, 8 and 32 concurrent callers against a host process, next
to raw upserts from as many threads (concurrency.py); then, on a fresh Azurite, the idle host's CPU
(idle.py) and recovery at two table sizes (recovery.py). See `python -m bench --help`.
"""
