"""HTTP errors the handlers raise, and the plain-text responses they become."""
from __future__ import annotations

from flask import Response


class HTTPProblem(Exception):
    """A 4xx/5xx answer with a message for the client (and extra headers, e.g. Retry-After)."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}


def text_response(status: int, message: str, headers: dict | None = None) -> Response:
    """A plain-text error response with the given status and headers."""
    r = Response(message.rstrip("\n") + "\n", status=status, content_type="text/plain; charset=utf-8")
    for k, v in (headers or {}).items():
        r.headers[k] = v
    return r
