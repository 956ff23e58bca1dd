"""An app of one timer that says when it fired, for several hosts on one storage account to share.

Each run prints the occurrence it ran for (the second, which its schedule makes even), so that a test
reading the hosts' output counts the runs of each occurrence across them.
"""

from __future__ import annotations

import time

import azure.functions as func

app = func.FunctionApp()


@app.function_name("every_two_seconds")
@app.timer_trigger(arg_name="timer", schedule="*/2 * * * * *")
def every_two_seconds(timer: func.TimerRequest) -> None:
    print(f"fired for {round(time.time()) // 2 * 2}", flush=True)
