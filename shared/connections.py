"""One pool of HTTP connections to storage, shared by every client of the process.

azure-core gives each client its own requests session with urllib3's default pool of 10 connections:
with more threads than that on one client (the host runs many functions at once), the connections
beyond ten are opened for one request and thrown away. Here every storage client shares one session
whose pool holds `SYNC_STORAGE_CONNECTIONS` connections.

requests reads its settings from the environment again on every request when `trust_env` is on:
proxies, a CA bundle, ~/.netrc (a file lookup) — about a tenth of the client's CPU per storage request,
measured. Here they are read once: the CA bundle (REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE) is given to
every transport, netrc is never used (it would replace the storage request's own Authorization), and
only when a proxy is configured does the session keep reading the environment (for NO_PROXY).
"""

from __future__ import annotations

import os
from functools import lru_cache

import requests
from azure.core.pipeline.transport import RequestsTransport
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry


def proxied() -> bool:
    """Whether the environment configures a proxy (HTTP_PROXY, https_proxy, ALL_PROXY, …)."""
    return any(
        name.upper().endswith("_PROXY") and name.upper() != "NO_PROXY" and value for name, value in os.environ.items()
    )


def ca_bundle() -> str | bool:
    """The CA bundle requests would take from the environment, else True (its own)."""
    return os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True


@lru_cache(maxsize=4)
def session(pool_size: int) -> requests.Session:
    """The process's storage session: keep-alive connections, up to `pool_size` per storage endpoint."""
    shared = requests.Session()
    shared.trust_env = proxied()
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
    return RequestsTransport(session=session(pool_size), session_owner=False, connection_verify=ca_bundle())
