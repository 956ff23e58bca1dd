"""A small local Azure Functions host for v2 Python apps, for development and tests.

It runs what the app's FunctionApp declares — HTTP routes, queue triggers, timers — and knows
nothing else of the app. See `LocalHost` and `python -m devhost --help`.
"""

from .failures import AppLoadError, DevHostError, HostConfigError, PortInUseError, StorageError
from .host import LocalHost
from .loader import FunctionInfo

__all__ = [
    "AppLoadError",
    "DevHostError",
    "FunctionInfo",
    "HostConfigError",
    "LocalHost",
    "PortInUseError",
    "StorageError",
]
