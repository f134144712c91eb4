"""``/mcp`` in ``graphmem serve``: the MCP tools over streamable HTTP, behind the same API keys as the REST routes.

``KeyGate`` reads the ``Authorization`` header with ``auth.principal_of`` before the SDK's transport sees the
request: no key, a malformed header or a revoked key is the REST routes' 401, in their JSON shape. The principal
rides on the ASGI scope to the tool, which acts on ``auth.fenced(memory, principal)``: the key's tenant, never one
an argument names. Every HTTP request is checked, so a key revoked mid-conversation is refused from its next call.

The transport is stateless with JSON answers: no session lives in the server between requests, so any worker of a
``--workers`` server can answer any request, and each request is checked on its own. DNS-rebinding protection is on
only without keys (``--insecure-local``, loopback): there a web page the user visits could otherwise reach the
memory through a rebound name; with keys a page has none to send, and the server may be reached by any host name.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import FastAPI
from mcp.server.mcpserver import Context
from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from graphmem.errors import AuthError
from graphmem.memory import Memory
from graphmem.service import errors
from graphmem.service.auth import fenced, principal_of
from graphmem.service.keys import Keys, Principal
from graphmem.service.mcp import build_server

log = logging.getLogger("graphmem.service")

PATH = "/mcp"
PRINCIPAL = "graphmem.principal"  # the ASGI scope key the gate leaves the checked principal under
_LOOPBACK = TransportSecuritySettings(
    enable_dns_rebinding_protection=True,
    allowed_hosts=["127.0.0.1", "127.0.0.1:*", "localhost", "localhost:*", "[::1]", "[::1]:*"],
    allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
)
_ANY_HOST = TransportSecuritySettings(enable_dns_rebinding_protection=False)


class KeyGate:
    """Checks the request's API key (on a worker thread: the check reads the store) and hands the principal on."""

    def __init__(self, app: ASGIApp, keys: Keys | None) -> None:
        self.app = app
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = Headers(scope=scope).get("authorization")
        try:
            caller = await anyio.to_thread.run_sync(principal_of, self.keys, header)
        except Exception as exc:  # AuthError is the 401; a store that fails the check answers as on REST
            await errors.answer(exc)(scope, receive, send)
            return
        await self.app({**scope, PRINCIPAL: caller}, receive, send)


def caller_of(ctx: Context) -> Principal:
    """The principal ``KeyGate`` checked for the HTTP request a tool call came in."""
    request = ctx.request_context.request
    caller = request.scope.get(PRINCIPAL) if isinstance(request, Request) else None
    if not isinstance(caller, Principal):  # not through the gate: refuse rather than guess a tenant
        raise AuthError("this call did not come through graphmem's API key check")
    return caller


def mount(app: FastAPI, keys: Keys | None, max_body_bytes: int) -> None:
    """Serve the tools at ``/mcp`` of ``app``, on ``app.state.memory``, and run their transport in its lifespan."""

    def memory_for(ctx: Context) -> Memory:
        return fenced(app.state.memory, caller_of(ctx))

    server = build_server(memory_for)
    server.streamable_http_app(  # builds the session manager; its own Starlette app is not used
        stateless_http=True,
        json_response=True,
        max_request_body_size=max_body_bytes,
        transport_security=_LOOPBACK if keys is None else _ANY_HOST,
    )
    manager = server.session_manager
    # A Route, not a Mount: a Mount answers /mcp with a redirect to /mcp/, which MCP clients are not to follow.
    app.router.routes.append(Route(PATH, KeyGate(StreamableHTTPASGIApp(manager), keys), include_in_schema=False))
    outer = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(target: FastAPI) -> AsyncIterator[Any]:  # the outer lifespan's state, if any
        async with outer(target) as state, manager.run():
            yield state

    app.router.lifespan_context = lifespan
