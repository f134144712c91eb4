"""The one breadth-first traversal of the graph: the graph lane, the graph_distance reranker, ``neighbors`` and
``paths`` all walk through it, so hop limits, fanout and ``as_of`` mean the same everywhere and each hop is exactly
one ``store.edges`` round trip.

The walk reads one hop at a time: every entity of the frontier in one batch, at most ``fanout`` relations each
(either direction, newest first), believed at ``as_of``. By default it then goes on to the entities it has not met
yet (plain breadth-first); a caller that steers the walk (the graph lane keeps only its best-scored entities)
names the next frontier itself with ``Hop.follow``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from graphmem.models import RelationRecord, Scope
from graphmem.stores.base import Store


@dataclass
class Hop:
    depth: int  # 1 for the relations of the start entities
    frontier: list[str]  # the entities expanded at this hop
    edges: list[RelationRecord]  # the relations touching them, in the store's order
    chosen: list[str] | None = field(default=None, repr=False)

    def follow(self, entity_ids: Iterable[str]) -> None:
        """Expand exactly these entities at the next hop (instead of every entity not met yet)."""
        self.chosen = list(entity_ids)


def walk(
    store: Store,
    scope: Scope,
    start: Iterable[str],
    max_hops: int,
    fanout: int,
    as_of: datetime | None = None,
) -> Iterator[Hop]:
    """Yield up to ``max_hops`` hops outward from ``start``; stops early when a frontier is empty."""
    frontier = list(dict.fromkeys(start))
    met = set(frontier)
    for depth in range(1, max_hops + 1):
        if not frontier:
            return
        hop = Hop(depth, frontier, store.edges(scope, frontier, fanout, as_of))
        yield hop
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
