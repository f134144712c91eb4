"""mem0's memory routes: each is one call of the ``Memory`` method of the same name, on the caller's tenant.

Plain ``def`` routes: FastAPI runs them on its thread pool, since the library is synchronous.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from graphmem.errors import NotFoundError, ValidationError
from graphmem.results import AddResult, HistoryEntry, SearchResult, UpdateResult
from graphmem.service.auth import Fenced
from graphmem.service.bodies import AddBody, ContextBody, ScopeIds, SearchBody, UpdateBody

router = APIRouter(tags=["memories"])


def query_scope(user_id: str | None = None, agent_id: str | None = None, run_id: str | None = None) -> dict[str, str]:
    """The scope ids of a route without a body, from the query string."""
    return ScopeIds(user_id=user_id, agent_id=agent_id, run_id=run_id).ids()


QueryScope = Annotated[dict[str, str], Depends(query_scope)]


@router.post("/memories", response_model=None, responses={200: {"model": AddResult}})
def add(body: AddBody, memory: Fenced) -> dict[str, Any]:
    return memory.add(body.messages, **body.ids(), metadata=body.metadata, infer=body.infer, prompt=body.prompt,
                      triples=body.triples, facts=body.facts)  # fmt: skip


@router.get("/memories", response_model=None)
def get_all(
    memory: Fenced,
    scope: QueryScope,
    limit: int | None = None,
    top_k: Annotated[int | None, Query(description="mem0 2.x's name for limit (default 100)")] = None,
    filters: Annotated[str | None, Query(description="The filter tree as JSON; it may hold the scope ids")] = None,
) -> dict[str, Any]:
    return memory.get_all(**scope, limit=limit, top_k=top_k, filters=_json_query("filters", filters))


@router.get("/memories/{memory_id}", response_model=None)
def get(memory_id: str, memory: Fenced, scope: QueryScope) -> dict[str, Any]:
    found = memory.get(memory_id, **scope)
    if found is None:  # Memory.get answers None; over HTTP an unknown id (or another tenant's) is a 404
        raise NotFoundError("memory", memory_id)
    return found


@router.put("/memories/{memory_id}", response_model=None, responses={200: {"model": UpdateResult}})
def update(memory_id: str, body: UpdateBody, memory: Fenced, scope: QueryScope) -> dict[str, Any]:
    return memory.update(memory_id, body.data, **scope)


@router.delete("/memories/{memory_id}", response_model=None)
def delete(memory_id: str, memory: Fenced, scope: QueryScope) -> dict[str, Any]:
    return memory.delete(memory_id, **scope)


@router.delete("/memories", response_model=None)
def delete_all(
    memory: Fenced,
    scope: QueryScope,
    filters: Annotated[str | None, Query(description="The scope ids as a filter (JSON), mem0 2.x's shape")] = None,
) -> dict[str, Any]:
    return memory.delete_all(**scope, filters=_json_query("filters", filters))


@router.get("/memories/{memory_id}/history", response_model=None, responses={200: {"model": list[HistoryEntry]}})
def history(memory_id: str, memory: Fenced, scope: QueryScope) -> list[dict[str, Any]]:
    return memory.history(memory_id, **scope)


@router.post("/search", response_model=None, responses={200: {"model": SearchResult}})
def search(body: SearchBody, memory: Fenced) -> dict[str, Any]:
    return memory.search(
        body.query,
        **body.ids(),
        limit=body.limit,
        top_k=body.top_k,
        filters=body.filters,
        threshold=body.threshold,
        rerank=body.rerank,
        as_of=body.as_of,
        recipe=body.recipe,
    )


@router.post("/context", response_model=None)
def context(body: ContextBody, memory: Fenced) -> dict[str, Any]:
    """Memory.context: the search's best memories and relations as one prompt-ready block within max_tokens."""
    return memory.context(body.query, user_id=body.user_id, agent_id=body.agent_id, run_id=body.run_id,
                          max_tokens=body.max_tokens, limit=body.limit, top_k=body.top_k, filters=body.filters,
                          threshold=body.threshold, as_of=body.as_of)  # fmt: skip


def _json_query(field: str, value: str | None) -> Any:
    if value is None:
        return None
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValidationError(field, f"not valid JSON: {exc}") from None
