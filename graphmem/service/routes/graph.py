"""The graph routes beyond mem0: bulk triples, an entity's neighbourhood, evidence paths, the whole scope's graph
(``Memory`` methods)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from graphmem.results import AddResult
from graphmem.service.auth import Fenced
from graphmem.service.bodies import PathsBody, TriplesBody
from graphmem.service.routes.memories import QueryScope

router = APIRouter(tags=["graph"])


@router.post("/triples", response_model=None, responses={200: {"model": AddResult}})
def add_triples(body: TriplesBody, memory: Fenced) -> dict[str, Any]:
    return memory.add_triples(body.triples, **body.ids(), metadata=body.metadata)


# ``:path``: an entity name may hold a slash (sent percent-encoded, decoded before routing).
@router.get("/entities/{entity:path}/neighbors", response_model=None)
def neighbors(entity: str, memory: Fenced, scope: QueryScope, hops: int = 1, limit: int = 100) -> dict[str, Any]:
    return memory.neighbors(entity, hops=hops, limit=limit, **scope)


@router.post("/paths", response_model=None)
def paths(body: PathsBody, memory: Fenced) -> list[dict[str, Any]]:
    return memory.paths(body.source, body.target, max_hops=body.max_hops, limit=body.limit, **body.ids())


@router.get("/graph", response_model=None)
def graph(memory: Fenced, scope: QueryScope, include_expired: bool = False) -> dict[str, list[dict[str, Any]]]:
    """``Memory.to_networkx`` as data: ``nodes`` (an entity's ``id`` and ``attributes``) and ``edges`` (entity ids
    ``source`` and ``target``, the relation id as ``key``, and ``attributes``, which hold names of their own),
    which ``MemoryClient.to_networkx`` turns back into the same ``networkx.MultiDiGraph``."""
    built = memory.to_networkx(**scope, include_expired=include_expired)
    nodes = [{"id": node, "attributes": attrs} for node, attrs in built.nodes(data=True)]
    edges = [{"source": source, "target": target, "key": key, "attributes": attrs}
             for source, target, key, attrs in built.edges(keys=True, data=True)]  # fmt: skip
    return {"nodes": nodes, "edges": edges}
