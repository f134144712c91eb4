"""The full ``Store`` the pipelines call, derived from a narrow ``GraphStore`` plus search capabilities.

A new engine implements the 13 methods of ``GraphStore``; ``GraphBacked`` supplies the rest: lookups by name,
by hash and by key come from ``find``, scoped listings from ``select`` (filters by the reference matcher in
``graphmem/filters.py``), the graph lane's "memories mentioning these entities" and "relations citing these
memories" from ``select`` and ``mentions``, and the search lanes from the capabilities, in process unless the
engine brings its own. Each derived method says what it costs, so an engine that needs one faster overrides just
that method in a subclass (the built-in stores implement all of ``Store`` natively).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Literal

from graphmem.filters import Filter, finish
from graphmem.models import EntityRecord, Episode, HistoryEvent, MemoryRecord, RelationRecord, Scope, normalize_name
from graphmem.stores.base import (
    Edge,
    GraphStore,
    Hit,
    Store,
    TextSearch,
    Vector,
    VectorKind,
    VectorSearch,
    WritePlan,
    capped,
)
from graphmem.stores.inprocess_text import InProcessText
from graphmem.stores.inprocess_vectors import InProcessVectors

_EVERY = 2**31 - 1  # "every edge of the entity" as a per-entity limit


class GraphBacked:
    """``Store`` over ``graph``; ``vectors`` and ``text`` default to the in-process capabilities over it."""

    def __init__(self, graph: GraphStore, vectors: VectorSearch | None = None, text: TextSearch | None = None) -> None:
        self.graph = graph
        self.vectors: VectorSearch = vectors or InProcessVectors(graph)
        self.text: TextSearch = text or InProcessText(graph)

    # -- the narrow protocol, passed through ---------------------------------------------------------------------------
    def write_episode(self, episode: Episode) -> None:
        self.graph.write_episode(episode)

    def set_episode_status(self, episode_id: str, status: str, error: str | None = None) -> None:
        self.graph.set_episode_status(episode_id, status, error)

    def apply(self, plan: WritePlan) -> dict[str, str]:
        return self.graph.apply(plan)

    def edges(
        self, scope: Scope, entity_ids: Sequence[str], per_entity: int, as_of: datetime | None = None
    ) -> list[RelationRecord]:
        return self.graph.edges(scope, entity_ids, per_entity, as_of)

    def edge_rows(
        self,
        scope: Scope,
        entity_ids: Sequence[str],
        per_entity: int,
        as_of: datetime | None = None,
        prefer: dict[str, float] | None = None,
    ) -> list[Edge]:
        """From ``edges``: the newest ``per_entity`` per entity, or with type weights every edge of the entities,
        ranked here (``capped``). One call either way; an engine with hubs overrides it to rank in its query."""
        weights = {t: w for t, w in (prefer or {}).items() if w > 0.0}
        read = per_entity if not weights else _EVERY
        rows = [Edge.of(r) for r in self.graph.edges(scope, entity_ids, read, as_of)]
        return capped(rows, entity_ids, per_entity, weights)

    def mentions(self, memory_ids: Sequence[str]) -> dict[str, list[str]]:
        return self.graph.mentions(memory_ids)

    def history(self, memory_id: str) -> list[HistoryEvent]:
        return self.graph.history(memory_id)

    def delete_memories(self, ids: Sequence[str], events: Sequence[HistoryEvent]) -> None:
        self.graph.delete_memories(ids, events)

    def delete_scope(self, scope: Scope, events: Sequence[HistoryEvent] = ()) -> int:
        return self.graph.delete_scope(scope, events)

    def reset(self) -> None:
        self.graph.reset()

    def close(self) -> None:
        self.graph.close()

    # -- by id and by scope --------------------------------------------------------------------------------------------
    def get_episode(self, episode_id: str) -> Episode | None:
        found = self.graph.get("episode", [episode_id])
        return found[0] if found else None

    def list_episodes(self, scope: Scope) -> list[Episode]:
        return self.graph.select("episode", scope)

    def get_memory(self, memory_id: str) -> MemoryRecord | None:
        found = self.graph.get("memory", [memory_id])
        return found[0] if found else None

    def get_memories(self, ids: Sequence[str], with_embeddings: bool = False) -> list[MemoryRecord]:
        return self.graph.get("memory", ids, with_embeddings)

    def list_memories(
        self,
        scope: Scope,
        include_expired: bool = False,
        filters: Filter | None = None,
        limit: int | None = None,
    ) -> Iterator[MemoryRecord]:
        """The scope's memories through the reference matcher: reads the whole scope when filtered."""
        return finish(self.graph.select("memory", scope, include_expired), filters, limit)

    def get_entities(self, ids: Sequence[str]) -> list[EntityRecord]:
        return self.graph.get("entity", ids)

    def list_entities(self, scope: Scope) -> list[EntityRecord]:
        return sorted(self.graph.select("entity", scope), key=lambda e: (e.name, e.id))

    def get_relations(self, ids: Sequence[str]) -> list[RelationRecord]:
        return self.graph.get("relation", ids)

    def list_relations(self, scope: Scope, include_expired: bool = False) -> list[RelationRecord]:
        return self.graph.select("relation", scope, include_expired)

    # -- by key --------------------------------------------------------------------------------------------------------
    def find_memories_by_hash(self, scope: Scope, hashes: Sequence[str]) -> dict[str, MemoryRecord]:
        return self.graph.find("memory", scope, hashes) if hashes else {}

    def find_entities(self, scope: Scope, normalized_names: Sequence[str]) -> dict[str, EntityRecord]:
        return self.graph.find("entity", scope, normalized_names) if normalized_names else {}

    def find_relations(self, scope: Scope, keys: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        found = self.graph.find("relation", scope, keys) if keys else {}
        return {key: relation.id for key, relation in found.items()}

    def entities_named(self, scope: Scope, normalized_names: Sequence[str]) -> list[EntityRecord]:
        """Entities visible under a read scope answering to any of the keys: one exact-scope ``find`` when the
        scope is exact, else the scope's entities read and matched here."""
        if not normalized_names:
            return []
        if None not in scope.key():
            return list({e.id: e for e in self.find_entities(scope, normalized_names).values()}.values())
        keys = set(normalized_names)
        return [
            e
            for e in sorted(self.graph.select("entity", scope), key=lambda e: e.id)
            if keys.intersection(normalize_name(n) for n in [e.name, *e.aliases])
        ]

    # -- what the graph lane and updates derive ------------------------------------------------------------------------
    def memories_mentioning(self, scope: Scope, entity_ids: Sequence[str], limit: int) -> list[tuple[str, str]]:
        """(memory, entity) pairs, newest memory first: reads the scope's current memories and their mentions."""
        wanted = set(entity_ids)
        if not wanted or limit <= 0:
            return []
        memories = self.graph.select("memory", scope)
        mentioned = self.graph.mentions([m.id for m in memories])
        newest_first = sorted(memories, key=lambda m: m.id)
        newest_first.sort(key=lambda m: m.created_at, reverse=True)
        pairs = [(m.id, e) for m in newest_first for e in mentioned.get(m.id, []) if e in wanted]
        return pairs[:limit]

    def relations_citing(self, scope: Scope, memory_ids: Sequence[str]) -> list[RelationRecord]:
        """Current relations whose provenance names any of the memories: reads the scope's current relations."""
        cited = set(memory_ids)
        return [r for r in self.graph.select("relation", scope) if cited.intersection(r.provenance.memory_ids)]

    # -- search lanes --------------------------------------------------------------------------------------------------
    def vector_search(
        self, kind: VectorKind, scope: Scope, vector: Vector, k: int, as_of: datetime | None = None
    ) -> list[Hit]:
        return self.vectors.vector_search(kind, scope, vector, k, as_of)

    def vector_search_many(
        self, kind: Literal["memory", "entity"], scope: Scope, vectors: Sequence[Vector], k: int
    ) -> list[list[Hit]]:
        return self.vectors.vector_search_many(kind, scope, vectors, k)

    def similarity(self, kind: VectorKind, ids: Sequence[str], vector: Vector) -> dict[str, float]:
        return self.vectors.similarity(kind, ids, vector)

    def text_search(
        self,
        kind: Literal["memory", "entity"],
        scope: Scope,
        terms: Sequence[str],
        k: int,
        as_of: datetime | None = None,
    ) -> list[Hit]:
        return self.text.text_search(kind, scope, terms, k, as_of)


def full_store(store: Store | GraphStore) -> Store:
    """What ``Memory(store=...)`` works on: a full ``Store`` as given, a narrow ``GraphStore`` wrapped in
    ``GraphBacked`` with the in-process capabilities (so a new engine plugs in with its 13 methods)."""
    return store if isinstance(store, Store) else GraphBacked(store)
