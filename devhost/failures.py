"""What can stop the local host from starting, split by what the developer should do."""

from __future__ import annotations


class DevHostError(Exception):
    """Root of the local host's own errors: each message says what to fix."""


class AppLoadError(DevHostError):
    """The app module could not be imported or holds no single FunctionApp."""


class HostConfigError(DevHostError):
    """host.json, an app setting or a trigger's declaration is unusable."""


class StorageError(DevHostError):
    """The storage account a trigger uses cannot be reached."""


class PortInUseError(DevHostError):
    """The HTTP port is held by another process."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        super().__init__(f"port {port} on {host} is already in use — stop what holds it or pass --port")
