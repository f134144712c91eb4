"""The FastAPI application of ``graphmem serve``: routes, error handlers, body limit and auth, assembled once.

``build_app`` is the application without a memory (what ``openapi.json`` is generated from); ``create_app`` gives
it the server's one ``Memory`` and key table. ``keys=None`` is ``--insecure-local``: no key is asked for and every
request acts in the library's own tenant, which is why the CLI binds that mode to loopback only. ``create_app`` also
serves the MCP tools at ``/mcp`` behind the same keys (``mcp_http``) when the ``mcp`` extra is installed; the
OpenAPI document, which describes the REST routes, is unchanged by it.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

import graphmem
from graphmem.memory import Memory
from graphmem.service import errors
from graphmem.service.keys import Keys
from graphmem.service.routes import graph, memories, system

log = logging.getLogger("graphmem.service")

# mem0's server takes what uvicorn takes (unbounded); 4 MiB holds a long conversation or a large import batch, and
# bounds what one request makes the server hold in memory (``graphmem serve --max-body-bytes`` changes it).
MAX_BODY_BYTES = 4 * 1024 * 1024


def build_app(max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    app = FastAPI(
        title="graphmem",
        version=graphmem.__version__,
        description="Graph memory for AI agents: mem0's REST routes plus the graph. Every route but /health needs "
        "an API key ('Authorization: Token <key>'); a key's tenant fences every read and write.",
    )
    for module in (memories, graph, system):
        app.include_router(module.router)
    errors.install(app)
    app.add_middleware(errors.BodyLimit, max_bytes=max_body_bytes)
    return app


def create_app(memory: Memory, keys: Keys | None, *, max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    app = build_app(max_body_bytes)
    app.state.memory = memory
    app.state.keys = keys
    try:
        from graphmem.service import mcp_http
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in ("mcp", "mcp_types"):
            raise
        log.info("no MCP at /mcp: the mcp extra is not installed (pip install 'graphmem[mcp]')")
    else:
        mcp_http.mount(app, keys, max_body_bytes)
    return app
