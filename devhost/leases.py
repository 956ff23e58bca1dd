"""Timer leases: one host of many on a storage account runs each timer, as the Functions host does.

The Functions host runs a timer function on one instance at a time: it holds a blob lease for it in
container `azure-webjobs-hosts` (the blob named after the host id and the function), renews it while
it runs, and an instance that does not hold it does not fire. Several local hosts on one Azurite do
the same here, so they behave as instances: each occurrence runs once across them. The holder renews
every RENEW seconds; when it dies, its lease runs out at most LEASE seconds later and another host,
trying every TRY seconds, takes it. A host that stops in order lets go at once.

A host considers itself the holder only until its last successful acquire or renew, counted from
before the request was sent, plus the lease less a margin: by then storage may give the lease to
another, so two hosts never fire the same occurrence.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.storage.blob import BlobLeaseClient, ContainerClient, LinearRetry

from .settings import DEFAULT_CONNECTION, connection_string

log = logging.getLogger("devhost")

CONTAINER = "azure-webjobs-hosts"
HOST_ID_SETTING = "AzureFunctionsWebHost__hostid"  # the Functions host's setting; else the machine's name
LEASE = 15  # seconds a lease lasts unless renewed (the Functions host's singleton lock period)
RENEW = 5.0  # seconds between the holder's renewals
TRY = 2.0  # seconds between another host's tries to take it
MARGIN = 1.0  # seconds before the lease's end at which the holder stops counting on it


def host_id(environ: Mapping[str, str] | None = None) -> str:
    """The host id that names the lease blobs: the setting, else the machine's name, as the Functions host
    makes it (lower case, letters, digits and dashes, 32 characters at most). Hosts of one app share it."""
    environ = os.environ if environ is None else environ
    value = environ.get(HOST_ID_SETTING, "").strip() or socket.gethostname()
    return re.sub(r"[^a-z0-9-]", "", value.lower())[:32].strip("-") or "localhost"


def lease_for(function: str, environ: Mapping[str, str] | None = None) -> TimerLease | None:
    """The lease of a timer function on the host's own storage; None when none is set (one host alone)."""
    environ = os.environ if environ is None else environ
    if not environ.get(DEFAULT_CONNECTION, "").strip():
        return None
    return TimerLease(connection_string(DEFAULT_CONNECTION, environ), function, host_id(environ))


class TimerLease:
    """A timer function's blob lease, kept by a thread of its own: taken when free, renewed while held."""

    def __init__(
        self,
        connection: str,
        function: str,
        host: str,
        *,
        lease: int = LEASE,
        renew: float = RENEW,
        retry: float = TRY,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.function = function
        self.blob_name = f"locks/{host}/Host.Functions.{function}.Listener"
        # Few, quick retries: the keeper tries again soon anyway, and a stopped Azurite must not hold up a stop.
        retry_policy = LinearRetry(backoff=0.5, random_jitter_range=0.2, retry_total=1)  # type: ignore[arg-type]
        options: dict[str, Any] = {"retry_policy": retry_policy, "connection_timeout": 5, "read_timeout": 5}
        self._container = ContainerClient.from_connection_string(connection, CONTAINER, **options)
        self._blob = self._container.get_blob_client(self.blob_name)
        self._lease = BlobLeaseClient(self._blob, lease_id=str(uuid.uuid4()))
        self._duration, self._renew, self._retry, self._clock = lease, renew, retry, clock
        self._until = 0.0  # the holder counts on the lease until then (clock time)
        self._failing = False  # storage failed at the last try (logged once, not at every try)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._keep, name=f"devhost-lease-{function}", daemon=True)

    def held(self) -> bool:
        return self._clock() < self._until

    def start(self) -> None:
        """Try once now (so that a run on start-up knows whether it is this host's), then keep trying."""
        self._try()
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop keeping it and let go of it, so that another host takes it at once."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self.held():
            self._until = 0.0
            with contextlib.suppress(HttpResponseError, OSError):
                self._lease.release()
        self._container.close()

    def attempt(self) -> bool:
        """Renew the lease if this host holds it, else take it if it is free; whether this host holds it now.
        Storage unreachable raises; the lease then ends by itself."""
        was, started = self.held(), self._clock()
        try:
            self._renew_or_take(was)
        except HttpResponseError as exc:
            if exc.status_code != 409:  # 409: another host holds it, the ordinary answer to a try
                raise
            if was:  # renewed too late: another host took it meanwhile
                self._until = 0.0
                log.info("Timer '%s': lease lost; another host runs it", self.function)
            return False
        self._until = started + self._duration - MARGIN
        if self._failing:
            self._failing = False
            log.info("Timer '%s': its lease is reachable again", self.function)
        if not was:
            log.info("Timer '%s': this host holds its lease and runs it", self.function)
        return True

    def _renew_or_take(self, held: bool) -> None:
        if held:
            self._lease.renew()
            return
        try:
            self._lease.acquire(lease_duration=self._duration)
        except ResourceNotFoundError:  # the first host of all: make the container and the blob, then take it
            self._make_blob()
            self._lease.acquire(lease_duration=self._duration)

    def _make_blob(self) -> None:
        with contextlib.suppress(ResourceExistsError):
            self._container.create_container()
        with contextlib.suppress(ResourceExistsError):
            self._blob.upload_blob(b"", overwrite=False)

    def _keep(self) -> None:
        while not self._stop.wait(self._renew if self.held() else self._retry):
            self._try()

    def _try(self) -> None:
        try:
            self.attempt()
        except Exception:  # storage failed or unreachable: tried again soon; not held once the lease ends
            if not self._failing:
                log.warning("Timer '%s': its lease cannot be reached; trying again", self.function, exc_info=True)
            self._failing = True
