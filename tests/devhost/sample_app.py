"""A small v2 app of our own to test the local host against — not the project's app.

Its state lives in module-level structures so that tests running a LocalHost in this process can
assert on what the functions saw; run in worker processes, the functions that tests read say their
process id in the answer or in a file the request names. The queue name comes from the SAMPLE_QUEUE app setting, so each
test can use a queue of its own.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
from pathlib import Path

import azure.functions as func
from azure.storage.queue import QueueClient, TextBase64EncodePolicy

app = func.FunctionApp(http_auth_level=func.AuthLevel.FUNCTION)

received: list[dict[str, object]] = []  # what the queue trigger got, one dict per invocation, with its monotonic time
ticks: list[bool] = []  # past_due of each tick of the every-second timer
startup_runs: list[bool] = []  # runs of the run-on-startup timer
lock = threading.Lock()


@app.function_name("item")
@app.route(route="items/{id:int}/{detail?}", methods=["GET"])
def item(req: func.HttpRequest) -> func.HttpResponse:
    body = {"id": req.route_params.get("id"), "detail": req.route_params.get("detail")}
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@app.function_name("items_literal")
@app.route(route="items/special", methods=["GET"])
def items_literal(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse("literal")


@app.function_name("echo")
@app.route(route="echo", methods=["POST", "PUT"], trigger_arg_name="request")
def echo(request: func.HttpRequest) -> func.HttpResponse:
    body = {
        "method": request.method,
        "params": dict(request.params),
        "header": request.headers.get("x-sample"),
        "body": request.get_body().decode(),
    }
    status = int(request.params.get("status", "200"))
    return func.HttpResponse(
        json.dumps(body), status_code=status, headers={"X-Echo": "yes"}, mimetype="application/json"
    )


@app.function_name("boom")
@app.route(route="boom")
def boom(req: func.HttpRequest) -> func.HttpResponse:
    raise RuntimeError("the sample fails on purpose")


@app.function_name("slow_async")
@app.route(route="async/{name}", methods=["GET"])
async def slow_async(req: func.HttpRequest, context: func.Context) -> func.HttpResponse:
    await asyncio.sleep(0.01)
    return func.HttpResponse(f"hello {req.route_params['name']} from {context.function_name}")


@app.function_name("enqueue")
@app.route(route="enqueue", methods=["POST"])
@app.queue_output(arg_name="out", queue_name="%SAMPLE_QUEUE%", connection="AzureWebJobsStorage")
def enqueue(req: func.HttpRequest, out: func.Out[str]) -> func.HttpResponse:
    out.set(req.get_body().decode())
    return func.HttpResponse(status_code=202)


@app.function_name("fallback")
@app.route(route="{*path}", methods=["GET"])
def fallback(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(f"fallback:{req.route_params.get('path', '')}", status_code=404)


@app.function_name("work")
@app.queue_trigger(arg_name="msg", queue_name="%SAMPLE_QUEUE%", connection="AzureWebJobsStorage")
def work(msg: func.QueueMessage) -> None:
    body = msg.get_body()
    with lock:
        received.append({"id": msg.id, "body": body, "dequeue_count": msg.dequeue_count, "at": time.monotonic()})
    asked = json.loads(body)
    if "note_dir" in asked:  # which process ran which delivery
        (Path(asked["note_dir"]) / f"{msg.id}-{msg.dequeue_count}").write_text(str(os.getpid()))
    if "hold_file" in asked and msg.dequeue_count == 1:
        hold_here(asked["hold_file"], 60)
    if asked.get("fail"):
        raise ValueError("asked to fail")


def hold_here(pid_file: str, seconds: float) -> None:
    """Say this process's id in `pid_file`, then keep the invocation running (a test kills the process)."""
    Path(pid_file).write_text(str(os.getpid()))
    time.sleep(seconds)


@app.function_name("whoami")
@app.route(route="worker/pid", methods=["GET"])
def whoami(req: func.HttpRequest) -> func.HttpResponse:
    return func.HttpResponse(json.dumps({"pid": os.getpid()}), mimetype="application/json")


@app.function_name("hold")
@app.route(route="worker/hold", methods=["GET"])
def hold(req: func.HttpRequest) -> func.HttpResponse:
    hold_here(req.params["pid_file"], float(req.params.get("seconds", "60")))
    return func.HttpResponse(str(os.getpid()))


@app.function_name("raw_echo")
@app.route(route="echo/raw", methods=["POST"])
def raw_echo(req: func.HttpRequest) -> func.HttpResponse:
    """The body back byte for byte, the x-sample header back, and a header sent twice."""
    response = func.HttpResponse(
        req.get_body(), headers={"X-Sample": req.headers.get("x-sample", "")}, mimetype="application/octet-stream"
    )
    response.headers.add_header("Set-Cookie", "first=1")
    response.headers.add_header("Set-Cookie", "second=2")
    return response


@app.function_name("send")
@app.route(route="send", methods=["POST"])
def send(req: func.HttpRequest) -> func.HttpResponse:
    """A message sent through the storage SDK itself, not an output binding; answers this process's id."""
    connection, queue = os.environ["AzureWebJobsStorage"], os.environ["SAMPLE_QUEUE"]
    encode = TextBase64EncodePolicy()
    with QueueClient.from_connection_string(connection, queue, message_encode_policy=encode) as client:
        client.send_message(req.get_body().decode())
    return func.HttpResponse(str(os.getpid()))


@app.function_name("tick")
@app.timer_trigger(arg_name="timer", schedule="*/1 * * * * *")
def tick(timer: func.TimerRequest) -> None:
    with lock:
        ticks.append(timer.past_due)


@app.function_name("on_startup")
@app.timer_trigger(arg_name="timer", schedule="0 0 0 1 1 *", run_on_startup=True)
def on_startup(timer: func.TimerRequest) -> None:
    with lock:
        startup_runs.append(timer.past_due)
