"""graphmem's errors as HTTP answers, and the body-size guard. No answer ever carries a stack trace: an error the
library raises on purpose says what was wrong (and which field); anything else is a bare 500, logged here.

``graphmem.client`` turns these answers back into the same exceptions, so a caller handles them once whichever
side of the wire it is on.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from graphmem.errors import (
    AuthError,
    ExtractionError,
    NotFoundError,
    StoreConflict,
    StoreUnavailable,
    ValidationError,
)

log = logging.getLogger("graphmem.service")

_LOCATIONS = {"body", "query", "path", "header"}


def error(status: int, detail: str, **extra: str | None) -> JSONResponse:
    headers = {"WWW-Authenticate": "Token"} if status == 401 else None
    return JSONResponse({"detail": detail, **{k: v for k, v in extra.items() if v is not None}}, status, headers)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    """pydantic's ``("body", "limit")`` as ``limit``; the whole body (bad JSON, not an object) as ``body``."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    if not parts or parts[0].isdigit():  # bad JSON is located at ("body", <offset>)
        return "body"
    return ".".join(parts)


def _failed_field(errors: list[Any]) -> str:
    """The field of the first failure. pydantic reports a value that fits no member of a union once per member,
    each located under the member's name (``threshold.int``, ``threshold.float``): those locations' common prefix
    is the field the caller sent (``threshold``), as the library would name it."""
    first = errors[0] if errors else {}
    loc = list(first.get("loc", ("body",)))
    for other in errors[1:]:
        theirs = list(other.get("loc", ()))
        if theirs[:2] == loc[:2] and other.get("input") is first.get("input"):
            common = 0
            while common < min(len(loc), len(theirs)) and loc[common] == theirs[common]:
                common += 1
            loc = loc[:common]
    return _field(loc)


def answer(exc: Exception) -> JSONResponse:
    """The HTTP answer to an exception a route raised; the statuses are what the client maps back."""
    if isinstance(exc, ValidationError):
        return error(422, str(exc), field=exc.field)
    if isinstance(exc, RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        field = _failed_field(list(exc.errors()))
        message = "not valid JSON" if first.get("type") == "json_invalid" else first.get("msg", "invalid request")
        return error(422, f"{field}: {message}", field=field)
    if isinstance(exc, NotFoundError):
        return error(404, str(exc), kind=exc.kind, id=str(exc.ident))
    if isinstance(exc, AuthError):
        return error(exc.status, str(exc))
    if isinstance(exc, StoreConflict):
        return error(409, str(exc))
    if isinstance(exc, ExtractionError):
        return error(502, str(exc))
    if isinstance(exc, StoreUnavailable):
        return error(503, str(exc))
    log.error("unexpected error", exc_info=exc)
    return error(500, "internal error (the server's log has the details)")


_HANDLED = (ValidationError, RequestValidationError, NotFoundError, AuthError, StoreConflict, ExtractionError,
            StoreUnavailable, Exception)  # fmt: skip


def install(app: FastAPI) -> None:
    async def handle(_: Request, exc: Exception) -> Response:
        return answer(exc)

    for kind in _HANDLED:
        app.add_exception_handler(kind, handle)


class BodyLimit:
    """Refuses a request body over ``max_bytes`` with 413 before any route reads it, whether the client declared
    its length or streamed it in chunks (those are buffered up to the limit, then replayed to the app)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        chunks: list[bytes] = []
        size, more = 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(scope, receive, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body, replayed = b"".join(chunks), False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()  # the app now waits for a disconnect
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"body: the request body is larger than the server's limit of {self.max_bytes} bytes"
        response = JSONResponse({"detail": detail, "field": "body"}, status_code=413)
        await response(scope, receive, send)
