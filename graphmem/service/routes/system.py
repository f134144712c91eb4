"""Whole-scope and whole-store routes: export, import, retry, reset, and the unauthenticated health check."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

import graphmem
from graphmem.memory import STALE_AFTER
from graphmem.service.auth import Admin, Fenced
from graphmem.service.bodies import ImportBody, Message, RetryBody
from graphmem.service.routes.memories import QueryScope
from graphmem.transfer import export_lines

router = APIRouter(tags=["store"])


@router.get("/health", response_model=Message)
def health() -> Message:
    """No key needed: for load balancers and orchestrators. Says the process serves, not that the store is up."""
    return Message(message=f"ok: graphmem {graphmem.__version__}")


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}, "description": "One JSON record per episode"}},
)
def export(memory: Fenced, scope: QueryScope) -> StreamingResponse:
    """The scope's episodes as JSON lines (what POST /import reads back). The first line is read before the answer
    starts, so a bad scope is a 422, not a broken stream."""
    lines = export_lines(memory, scope)
    first = list(itertools.islice(lines, 1))
    body: Iterator[str] = (line + "\n" for line in itertools.chain(first, lines))
    return StreamingResponse(body, media_type="application/x-ndjson")


@router.post("/import", response_model=None)
def import_(body: ImportBody, memory: Fenced) -> dict[str, Any]:
    return memory.import_(body.records, user_id=body.user_id, agent_id=body.agent_id, run_id=body.run_id)


@router.post("/retry", response_model=None)
def retry(body: RetryBody, memory: Fenced) -> dict[str, Any]:
    seconds = body.stale_after_seconds
    stale = STALE_AFTER if seconds is None else timedelta(seconds=seconds)
    return memory.retry_failed(user_id=body.user_id, agent_id=body.agent_id, run_id=body.run_id, stale_after=stale)


@router.post("/reset", response_model=Message)
def reset(memory: Admin) -> Message:
    """Deletes every record of the caller's tenant (admin keys only; other tenants and the API keys stay). With
    ``--insecure-local`` the caller is the library's own tenant and the whole store is reset."""
    memory.reset()
    return Message(message="Memory reset successfully!")
