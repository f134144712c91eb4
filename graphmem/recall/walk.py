"""The one breadth-first traversal of the graph: the graph lane, the graph_distance reranker, ``neighbors`` and
``paths`` all walk through it, so hop limits, fanout and ``as_of`` mean the same everywhere and each hop is exactly
one ``store.edges`` round trip.

The walk reads one hop at a time: every entity of the frontier in one batch, at most ``fanout`` relations each
(either direction, newest first), believed at ``as_of``. By default it then goes on to the entities it has not met
yet (plain breadth-first); a caller that steers the walk (the graph lane keeps only its best-scored entities)
names the next frontier itself with ``Hop.follow``, and may name the relation types to prefer through hubs there.

``walk`` reads full relation records (``store.edges``: ``neighbors`` and ``paths`` show them); ``walk_rows`` reads
light rows (``store.edge_rows``: the graph lane, which meets thousands of relations through hub entities and reports
a few, fetching their records afterwards).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar

from graphmem.models import RelationRecord, Scope
from graphmem.stores.base import Edge, Store

E = TypeVar("E", RelationRecord, Edge)


@dataclass
class Hop(Generic[E]):
    depth: int  # 1 for the relations of the start entities
    frontier: list[str]  # the entities expanded at this hop
    edges: list[E]  # the relations touching them, in the store's order
    chosen: list[str] | None = field(default=None, repr=False)
    prefer: dict[str, float] | None = field(default=None, repr=False)

    def follow(self, entity_ids: Iterable[str], prefer: dict[str, float] | None = None) -> None:
        """Expand exactly these entities at the next hop (instead of every entity not met yet); with ``prefer``
        (``walk_rows`` only), through a hub take the edges of the types it weighs highest first."""
        self.chosen = list(entity_ids)
        self.prefer = prefer


def walk(
    store: Store,
    scope: Scope,
    start: Iterable[str],
    max_hops: int,
    fanout: int,
    as_of: datetime | None = None,
) -> Iterator[Hop[RelationRecord]]:
    """Yield up to ``max_hops`` hops outward from ``start``; stops early when a frontier is empty."""
    return _walk(lambda ids, _: store.edges(scope, ids, fanout, as_of), start, max_hops)


def walk_rows(
    store: Store,
    scope: Scope,
    start: Iterable[str],
    max_hops: int,
    fanout: int,
    as_of: datetime | None = None,
) -> Iterator[Hop[Edge]]:
    """``walk`` over light rows (``store.edge_rows``), honouring the type preference ``Hop.follow`` names."""
    return _walk(lambda ids, prefer: store.edge_rows(scope, ids, fanout, as_of, prefer), start, max_hops)


def _walk(
    read: Callable[[list[str], dict[str, float] | None], list[E]], start: Iterable[str], max_hops: int
) -> Iterator[Hop[E]]:
    frontier = list(dict.fromkeys(start))
    met = set(frontier)
    prefer: dict[str, float] | None = None
    for depth in range(1, max_hops + 1):
        if not frontier:
            return
        hop = Hop(depth, frontier, read(frontier, prefer))
        yield hop
        prefer = hop.prefer
        if hop.chosen is not None:
            frontier = hop.chosen
            met.update(frontier)
            continue
        frontier = []
        for edge in hop.edges:
            for end in (edge.source_id, edge.target_id):
                if end not in met:
                    met.add(end)
                    frontier.append(end)
