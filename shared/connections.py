"""One pool of HTTP connections to storage, shared by every client of the process.

azure-core gives each client its own requests session with urllib3's default pool of 10 connections:
with more threads than that on one client (the host runs many functions at once), the connections
beyond ten are opened for one request and thrown away. Here every storage client shares one session
whose pool holds `SYNC_STORAGE_CONNECTIONS` connections.

The session reads proxy and CA settings from the environment only if the environment has some:
requests otherwise looks them up again on every request (about a tenth of the client's CPU per
storage request, measured), to find nothing.
"""

from __future__ import annotations

import os
from functools import lru_cache

import requests
from azure.core.pipeline.transport import RequestsTransport
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

# What requests reads from the environment when trust_env is on (requests.utils / sessions.py).
_ENVIRONMENT = ("PROXY", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NETRC")


def environment_matters() -> bool:
    """Whether proxy, CA-bundle or netrc settings are in the environment (any case, as requests reads them)."""
    names = (name.upper() for name in os.environ)
    return any(name.endswith(_ENVIRONMENT[0]) or name in _ENVIRONMENT[1:] for name in names)


@lru_cache(maxsize=4)
def session(pool_size: int) -> requests.Session:
    """The process's storage session: keep-alive connections, up to `pool_size` per storage endpoint."""
    shared = requests.Session()
    shared.trust_env = environment_matters()
    # As azure-core sets up its own sessions: no retries at this level (the pipeline's policy retries).
    adapter = HTTPAdapter(
        pool_connections=4,  # endpoints: table, queue, (blob), with room to spare
        pool_maxsize=pool_size,
        max_retries=Retry(total=False, redirect=False, raise_on_status=False),
    )
    for scheme in ("http://", "https://"):
        shared.mount(scheme, adapter)
    return shared


def transport(pool_size: int) -> RequestsTransport:
    """A transport for one client, over the shared session (which closing the client leaves open)."""
    return RequestsTransport(session=session(pool_size), session_owner=False)
