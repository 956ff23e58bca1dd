"""`make bench`: how fast the sync runs on Azurite, next to the least a two-sided write can cost.

Run on demand (`python -m bench`), never by the tests. It starts its own in-memory Azurite on free
ports, measures each scenario in one process, and prints one table; see `python -m bench --help`.
"""
