"""Starting the server: the checks ``graphmem serve`` makes before it listens, then uvicorn (one process or several).

A server that could answer without keys must not be reachable from elsewhere by accident, so it refuses to start
when its store holds no active key, unless ``insecure_local`` asks for key-less serving, which binds loopback only.

Several workers (``--workers N``) are separate processes, and a ``Memory`` cannot be handed from one process to
another: uvicorn imports ``worker_app`` in each of them, and each opens its own ``Memory`` from the same
``--store``/``--config``, which the parent passes down in ``$GRAPHMEM_SERVE_WORKER`` (JSON). The parent makes every
check first, on its own ``Memory``, and closes it before the workers start, so the rules hold whatever N is.

Workers are for a server store (Neo4j): the embedded store refuses them. Several processes on one SQLite file stay
correct (tests/reliability runs writers in separate processes on one file), but they gain nothing and lose a lot:
SQLite lets one writer at a time into the file, so writes do not scale; and each process keeps its own copy of the
vector indexes in memory, which it throws away and reloads whole from the file after any write by another process
(a write counter in the file tells it), so under a mixed load nearly every search would rebuild the index.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from graphmem.errors import GraphmemError, ValidationError
from graphmem.memory import Memory
from graphmem.service.app import MAX_BODY_BYTES, create_app
from graphmem.service.keys import Keys, key_table
from graphmem.stores.embedded import EmbeddedStore

if TYPE_CHECKING:
    from fastapi import FastAPI

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
WORKER_ENV = "GRAPHMEM_SERVE_WORKER"  # the parent's settings, read by ``worker_app`` in each worker process


@dataclass(frozen=True)
class Settings:
    """What a worker needs to open the same memory and serve it as the parent would: the command's options."""

    store: str | None
    config: str | None
    insecure_local: bool = False
    max_body_bytes: int = MAX_BODY_BYTES


def check(memory: Memory, host: str, *, insecure_local: bool, max_body_bytes: int, workers: int = 1) -> Keys | None:
    """The refusals before listening; returns the key table to check requests against (None: ``insecure_local``)."""
    if workers < 1:
        raise ValidationError("workers", f"expected a positive number of processes, got {workers}")
    if workers > 1 and isinstance(memory.store, EmbeddedStore):
        raise ValidationError(
            "workers", f"the embedded store is served by one process (got --workers {workers}): SQLite lets one "
            "writer at a time into the file, and each process would hold its own copy of the vector indexes and "
            "reload it whole after every other process's write; for several workers use a Neo4j store (--config)"
        )  # fmt: skip
    if max_body_bytes < 1:
        raise ValidationError("max_body_bytes", f"expected a positive number of bytes, got {max_body_bytes}")
    if insecure_local:
        if host not in LOOPBACK:
            raise ValidationError(
                "host", f"--insecure-local serves without API keys, so it binds loopback only (127.0.0.1, ::1 or "
                f"localhost), not {host!r}; create a key (graphmem keys create --tenant NAME) to serve elsewhere"
            )  # fmt: skip
        return None
    keys = Keys(key_table(memory.store))
    if not keys.any_active():
        raise GraphmemError(
            "this store holds no active API key, so every request would be refused: create one with "
            "`graphmem keys create --tenant NAME` (same --store/--config), or serve this machine alone with "
            "--insecure-local"
        )
    return keys


def serve(
    memory: Memory,
    host: str,
    port: int,
    *,
    insecure_local: bool = False,
    max_body_bytes: int = MAX_BODY_BYTES,
    log_level: str = "info",
) -> None:
    """One process serving ``memory`` (the caller opened it and closes it after)."""
    import uvicorn

    keys = check(memory, host, insecure_local=insecure_local, max_body_bytes=max_body_bytes)
    app = create_app(memory, keys, max_body_bytes=max_body_bytes)
    uvicorn.run(app, host=host, port=port, log_level=log_level)


# uvicorn's supervisor kills a worker that does not answer its ping within this many seconds (5 by default). The
# answer comes from a thread that needs the GIL, which a worker busy embedding and serving a queue of requests may
# not give it for several seconds on a loaded machine: at 5 s the load benchmark saw workers killed mid-request
# (their clients' connections dropped). A worker that is really stuck for a minute is still replaced.
WORKER_HEALTHCHECK_S = 60


def serve_workers(settings: Settings, host: str, port: int, *, workers: int, log_level: str = "info") -> None:
    """``workers`` processes on one listening socket, each with its own ``Memory`` opened from ``settings``.

    The checks run here first, on a ``Memory`` that is closed again before the workers start."""
    import uvicorn

    with open_memory(settings) as memory:
        check(memory, host, insecure_local=settings.insecure_local, max_body_bytes=settings.max_body_bytes,
              workers=workers)  # fmt: skip
    os.environ[WORKER_ENV] = json.dumps(asdict(settings))  # inherited by the worker processes uvicorn spawns
    uvicorn.run(f"{__name__}:worker_app", factory=True, host=host, port=port, workers=workers, log_level=log_level,
                timeout_worker_healthcheck=WORKER_HEALTHCHECK_S)  # fmt: skip


def open_memory(settings: Settings) -> Memory:
    """The memory of ``--store``/``--config``, opened as every ``graphmem`` command opens it."""
    from graphmem.cli import _open

    return _open(settings.store, settings.config)


def worker_app() -> FastAPI:
    """The application of one worker process (uvicorn's factory): its own ``Memory``, closed when it stops."""
    if WORKER_ENV not in os.environ:
        raise GraphmemError(f"worker_app is started by `graphmem serve --workers N`, which sets ${WORKER_ENV}")
    settings = Settings(**json.loads(os.environ[WORKER_ENV]))  # paths and flags only: no secret travels here
    memory = open_memory(settings)
    keys = None if settings.insecure_local else Keys(key_table(memory.store))
    app = create_app(memory, keys, max_body_bytes=settings.max_body_bytes)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(served: FastAPI) -> AsyncIterator[Any]:  # the inner lifespan's state, if any
        try:
            async with inner(served) as state:
                yield state
        finally:
            memory.close()

    app.router.lifespan_context = lifespan
    return app
