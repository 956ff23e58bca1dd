"""Children that end with the process that started them, even when it is killed with SIGKILL.

`make run` stops Azurite and the host on Ctrl-C or SIGTERM, but a SIGKILL (or an OOM kill) gives it
no chance: its children would keep the ports, and the next `make run` would refuse to start. On
Linux the kernel can signal a child when its parent dies (prctl PR_SET_PDEATHSIG); the child asks
for it between fork and exec. SIGTERM, not SIGKILL: the host and Azurite both stop cleanly on it
(the host lets running invocations finish, Azurite saves its data).

Elsewhere (macOS) there is no such signal and this does nothing; Ctrl-C still stops everything.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(signum: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A `preexec_fn` for subprocess.Popen that makes the child get `signum` when this process dies;
    None where the platform has no parent-death signal.

    Call it in the thread that starts the child, and keep that thread alive as long as the child:
    Linux sends the signal when the *thread* that forked the child ends. Everything the child runs
    is looked up here, before the fork, so the child runs only a system call and a comparison.
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signum, 0, 0, 0)
        if os.getppid() != parent:
            # The parent died between fork and prctl, so no signal will ever come: do not start.
            os._exit(1)

    return preexec
