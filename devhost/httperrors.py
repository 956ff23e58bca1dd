"""The JSON body of every answer the local host gives by itself (not the app's), in the error shape
apps on it commonly use: `{"error": {"code": "...", "message": "...", "details": []}}`.

A client that parses the app's errors then parses the host's too, instead of meeting an HTML page
from http.server or werkzeug for a wrong method or an oversized body.
"""

from __future__ import annotations

import json

CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    408: "request_timeout",
    413: "payload_too_large",
    414: "uri_too_long",
    431: "headers_too_large",
    500: "function_failed",
    501: "not_implemented",
    505: "http_version_not_supported",
}
JSON = "application/json; charset=utf-8"


def error_body(status: int, message: str) -> bytes:
    code = CODES.get(status, "bad_request" if status < 500 else "host_error")
    return json.dumps({"error": {"code": code, "message": message, "details": []}}).encode("utf-8")
