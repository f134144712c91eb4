"""The store seam: a narrow graph protocol a new engine implements, two optional search capabilities, and the full
surface the pipelines call.

- ``GraphStore`` (13 methods): episodes, ``apply`` (one transaction per plan), records by id, by scope and by key,
  edges, mentions, history, deletes. Everything a backend must do itself.
- ``VectorSearch`` and ``TextSearch``: capabilities a backend provides natively (an HNSW or IVF index, FTS5, a
  Lucene full-text index) or takes from the in-process defaults over its scoped records
  (``stores/inprocess_vectors.py``, ``stores/inprocess_text.py``: exact cosine, BM25 by ``rank-bm25``).
- ``Store``: what ``ingest`` and ``recall`` call. ``GraphBacked`` (``stores/graph_backed.py``) derives it from a
  ``GraphStore`` plus capabilities; the built-in embedded and Cypher stores implement it natively, one query per
  method, because that is where their speed comes from. ``docs/backends.md`` says which to pick for a new engine.

Scope rules every implementation keeps:
- writes and entity resolution use an *exact* scope (the record's own user/agent/run);
- reads take a *read* scope where ``None`` fields are unconstrained, and never return a record outside it;
- ``apply`` writes a whole ``WritePlan`` in one transaction and is idempotent (ids in a plan are deterministic
  per episode, so replaying it changes nothing).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any, Literal, NamedTuple, Protocol, overload, runtime_checkable

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from graphmem.filters import Filter
from graphmem.models import EntityRecord, Episode, HistoryEvent, MemoryRecord, RelationRecord, Scope

VectorKind = Literal["memory", "entity", "relation"]
Hit = tuple[str, float]
Vector = npt.NDArray[np.float32]


class Edge(NamedTuple):
    """A relation as the graph walk reads it (``edge_rows``): what it steers and scores by, nothing more. A walk
    through hub entities meets thousands of relations per search; building a full ``RelationRecord`` (scope,
    timestamps, provenance, validation) for each was most of its cost (issue 13), so the walk reads these and
    fetches full records (``get_relations``) only for the relations a search reports. The field names match
    ``RelationRecord``'s, so code that orders relations reads either."""

    id: str
    source_id: str
    target_id: str
    source: str  # the endpoints' names
    target: str
    type: str
    fact: str
    created_at: str  # ISO 8601, as stored (it orders a hub's edges, newest first)
    memory_ids: tuple[str, ...]  # provenance: the memories that assert it

    @classmethod
    def of(cls, r: RelationRecord) -> Edge:
        return cls(r.id, r.source_id, r.target_id, r.source, r.target, r.type, r.fact, r.created_at.isoformat(),
                   tuple(r.provenance.memory_ids))  # fmt: skip


def capped(rows: Sequence[Edge], entity_ids: Sequence[str], per_entity: int, prefer: dict[str, float]) -> list[Edge]:
    """At most ``per_entity`` of ``rows`` per entity of ``entity_ids`` (either end), in ``edge_rows``' order:
    the types ``prefer`` weighs above 0 first (highest first), then every other edge, newest first, ties by id.
    Returned oldest first, each once. For a store that reads more candidates than it keeps (both directions, the
    newest and each preferred type's newest, or every edge of an entity as ``GraphBacked`` does): the union of an
    entity's newest ``per_entity`` and each preferred type's newest ``per_entity`` always holds its best."""
    wanted = set(entity_ids)
    by_entity: dict[str, list[Edge]] = {}
    for row in {r.id: r for r in rows}.values():
        source, target = row.source_id, row.target_id
        if source in wanted:
            by_entity.setdefault(source, []).append(row)
        if target != source and target in wanted:
            by_entity.setdefault(target, []).append(row)
    kept: dict[str, Edge] = {}
    for found in by_entity.values():
        if len(found) > per_entity:  # an entity within its cap keeps every edge: no order to decide
            found.sort(key=lambda e: e.id)
            found.sort(key=lambda e: (max(prefer.get(e.type, 0.0), 0.0), e.created_at), reverse=True)
        kept.update((e.id, e) for e in found[:per_entity])
    return sorted(kept.values(), key=lambda e: (e.created_at, e.id))


class RelationUpdate(BaseModel):
    """An existing relation asserted again: more provenance, no new edge."""

    relation_id: str
    memory_ids: list[str] = Field(default_factory=list)
    episode_ids: list[str] = Field(default_factory=list)


class Invalidation(BaseModel):
    """A relation (or memory) that is no longer believed: timestamps are set, nothing is deleted."""

    id: str
    invalid_at: datetime | None
    expired_at: datetime


class WritePlan(BaseModel):
    """Everything one ``add`` (or ``update``) writes, decided before the transaction opens."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    episode_id: str
    episode: Episode | None = None  # when set, written first in the same transaction (add_triples: one transaction)
    memories: list[MemoryRecord] = Field(default_factory=list)
    memory_episode_links: list[tuple[str, str]] = Field(default_factory=list)  # (memory_id, episode_id)
    entities: list[EntityRecord] = Field(default_factory=list)
    entity_aliases: list[tuple[str, str]] = Field(default_factory=list)  # (entity_id, alias)
    relations: list[RelationRecord] = Field(default_factory=list)
    relation_updates: list[RelationUpdate] = Field(default_factory=list)
    relation_invalidations: list[Invalidation] = Field(default_factory=list)
    memory_invalidations: list[Invalidation] = Field(default_factory=list)
    memory_updates: list[MemoryRecord] = Field(default_factory=list)  # new text, hash, embedding, updated_at
    # An updated memory's old text no longer says these (``update``); removed before ``mentions`` are written.
    provenance_removals: list[tuple[str, str]] = Field(default_factory=list)  # (relation_id, memory_id)
    mention_removals: list[tuple[str, str]] = Field(default_factory=list)  # (memory_id, entity_id)
    mentions: list[tuple[str, str]] = Field(default_factory=list)  # (memory_id, entity_id)
    history: list[HistoryEvent] = Field(default_factory=list)


def io_bound(store: object) -> bool:
    """Whether ``store``'s reads mostly wait on I/O (a database server over a socket) rather than compute in this
    process: ``search`` then runs its independent lanes on threads, so their waits overlap. A store says so with a
    class attribute ``io_bound = True`` (``CypherStore``); in-process engines leave it unset, since their reads
    compute under the GIL and gain nothing from threads."""
    return getattr(store, "io_bound", False) is True


RecordKind = Literal["episode", "memory", "entity", "relation"]
RelationKey = tuple[str, str, str]  # (source_id, type, target_id)


class GraphStore(Protocol):
    """The narrow protocol: what an engine must store and read back itself. ``GraphBacked`` builds the rest.

    Records come back whole (a memory with its ``episode_ids``, an entity with its ``aliases``, a relation with its
    end names and provenance); embeddings only when ``with_embeddings``. ``select`` returns a read scope's records
    oldest first (``created_at``, then id), current ones only unless ``include_expired`` (the rule is
    ``models.believed``; entities never expire). ``find`` looks up by key in an *exact* scope, current records only:
    memories by ``hash``, entities by normalized name or alias (``models.normalize_name``), relations by
    (source_id, type, target_id) — the first by ``created_at`` then id when several answer."""

    def write_episode(self, episode: Episode) -> None:
        """Persist the raw input in its own transaction (before any extraction)."""
        ...

    def set_episode_status(self, episode_id: str, status: str, error: str | None = None) -> None: ...

    def apply(self, plan: WritePlan) -> dict[str, str]:
        """Write the plan in one transaction, settled against concurrent writers (``stores/settle.py``), and mark
        its episode done; returns {plan id: stored id} for what settling remapped."""
        ...

    @overload
    def get(self, kind: Literal["episode"], ids: Sequence[str], with_embeddings: bool = False) -> list[Episode]: ...
    @overload
    def get(self, kind: Literal["memory"], ids: Sequence[str], with_embeddings: bool = False) -> list[MemoryRecord]: ...
    @overload
    def get(self, kind: Literal["entity"], ids: Sequence[str], with_embeddings: bool = False) -> list[EntityRecord]: ...
    @overload
    def get(
        self, kind: Literal["relation"], ids: Sequence[str], with_embeddings: bool = False
    ) -> list[RelationRecord]: ...
    def get(self, kind: RecordKind, ids: Sequence[str], with_embeddings: bool = False) -> list[Any]:
        """The records with these ids that exist, in the order asked."""
        ...

    @overload
    def select(
        self, kind: Literal["episode"], scope: Scope, include_expired: bool = False, with_embeddings: bool = False
    ) -> list[Episode]: ...
    @overload
    def select(
        self, kind: Literal["memory"], scope: Scope, include_expired: bool = False, with_embeddings: bool = False
    ) -> list[MemoryRecord]: ...
    @overload
    def select(
        self, kind: Literal["entity"], scope: Scope, include_expired: bool = False, with_embeddings: bool = False
    ) -> list[EntityRecord]: ...
    @overload
    def select(
        self, kind: Literal["relation"], scope: Scope, include_expired: bool = False, with_embeddings: bool = False
    ) -> list[RelationRecord]: ...
    def select(
        self, kind: RecordKind, scope: Scope, include_expired: bool = False, with_embeddings: bool = False
    ) -> list[Any]:
        """Every record of a kind visible under a read scope, oldest first."""
        ...

    @overload
    def find(self, kind: Literal["memory"], scope: Scope, keys: Sequence[str]) -> dict[str, MemoryRecord]: ...
    @overload
    def find(self, kind: Literal["entity"], scope: Scope, keys: Sequence[str]) -> dict[str, EntityRecord]: ...
    @overload
    def find(
        self, kind: Literal["relation"], scope: Scope, keys: Sequence[RelationKey]
    ) -> dict[RelationKey, RelationRecord]: ...
    def find(self, kind: Literal["memory", "entity", "relation"], scope: Scope, keys: Sequence[Any]) -> dict[Any, Any]:
        """Current records of exactly this scope by key (see the class docstring)."""
        ...

    def edges(
        self, scope: Scope, entity_ids: Sequence[str], per_entity: int, as_of: datetime | None = None
    ) -> list[RelationRecord]:
        """Relations touching the entities (either direction), believed now (or at ``as_of``), at most
        ``per_entity`` per entity (its newest), returned oldest first."""
        ...

    def mentions(self, memory_ids: Sequence[str]) -> dict[str, list[str]]:
        """{memory id: ids of the entities it mentions}."""
        ...

    def history(self, memory_id: str) -> list[HistoryEvent]:
        """A memory's events in the order they were written."""
        ...

    def delete_memories(self, ids: Sequence[str], events: Sequence[HistoryEvent]) -> None:
        """Delete memories (with their mentions) in one transaction, recording ``events``; a current relation that
        no remaining memory asserts expires (kept, ``expired_at`` set), one that others still assert loses them."""
        ...

    def delete_scope(self, scope: Scope, events: Sequence[HistoryEvent] = ()) -> int:
        """Delete every memory, entity, relation and episode visible under a read scope in one transaction,
        recording ``events``; returns how many memories went."""
        ...

    def reset(self) -> None: ...
    def close(self) -> None: ...


class VectorSearch(Protocol):
    """Nearest neighbours by cosine, within a scope. Native (an engine's vector index) or in-process."""

    def vector_search(
        self, kind: VectorKind, scope: Scope, vector: Vector, k: int, as_of: datetime | None = None
    ) -> list[Hit]: ...

    def vector_search_many(
        self, kind: Literal["memory", "entity"], scope: Scope, vectors: Sequence[Vector], k: int
    ) -> list[list[Hit]]: ...

    def similarity(self, kind: VectorKind, ids: Sequence[str], vector: Vector) -> dict[str, float]: ...


class TextSearch(Protocol):
    """BM25-style keyword search over memory text or entity names and aliases, within a scope."""

    def text_search(
        self,
        kind: Literal["memory", "entity"],
        scope: Scope,
        terms: Sequence[str],
        k: int,
        as_of: datetime | None = None,
    ) -> list[Hit]: ...


@runtime_checkable
class Store(Protocol):
    """Everything the write and read paths call: ``GraphStore`` plus ``VectorSearch`` and ``TextSearch`` plus the
    lookups derived from them (``GraphBacked`` shows how each one follows from the narrow protocol)."""

    # -- episodes --------------------------------------------------------------------------------------------------
    def write_episode(self, episode: Episode) -> None:
        """Persist the raw input in its own transaction (before any extraction)."""
        ...

    def set_episode_status(self, episode_id: str, status: str, error: str | None = None) -> None: ...
    def get_episode(self, episode_id: str) -> Episode | None: ...
    def list_episodes(self, scope: Scope) -> list[Episode]: ...

    # -- the add transaction ---------------------------------------------------------------------------------------
    def apply(self, plan: WritePlan) -> dict[str, str]:
        """Write the plan (and ``plan.episode`` when given) and mark its episode done, in one transaction. Inside
        it, records other writers committed since the plan was decided win (``stores/settle.py``); returns
        {plan id: stored id} for the ids that were remapped onto them."""
        ...

    # -- memories --------------------------------------------------------------------------------------------------
    def get_memory(self, memory_id: str) -> MemoryRecord | None: ...
    def get_memories(self, ids: Sequence[str], with_embeddings: bool = False) -> list[MemoryRecord]:
        """Records for the ids that exist, in the order asked."""
        ...

    def list_memories(
        self,
        scope: Scope,
        include_expired: bool = False,
        filters: Filter | None = None,
        limit: int | None = None,
    ) -> Iterator[MemoryRecord]:
        """Scoped memories, oldest first (ties by id). With ``filters``, exactly those ``filters.matches`` keeps,
        selected in the database (a construct the store cannot translate exactly is finished with ``matches``);
        with ``limit``, at most that many (pushed into the query where the translation is exact)."""
        ...

    def find_memories_by_hash(self, scope: Scope, hashes: Sequence[str]) -> dict[str, MemoryRecord]:
        """Current memories of exactly this scope with these hashes (duplicate detection)."""
        ...

    def delete_memories(self, ids: Sequence[str], events: Sequence[HistoryEvent]) -> None: ...
    def delete_scope(self, scope: Scope, events: Sequence[HistoryEvent] = ()) -> int:
        """Delete everything visible under a read scope, recording ``events`` (the memories' DELETE history) in the
        same transaction; returns how many memories went."""
        ...

    def reset(self) -> None: ...
    def history(self, memory_id: str) -> list[HistoryEvent]: ...
    def mentions(self, memory_ids: Sequence[str]) -> dict[str, list[str]]: ...
    def memories_mentioning(self, scope: Scope, entity_ids: Sequence[str], limit: int) -> list[tuple[str, str]]:
        """(memory_id, entity_id) pairs of current memories that mention the entities."""
        ...

    # -- search lanes ----------------------------------------------------------------------------------------------
    def vector_search(
        self, kind: VectorKind, scope: Scope, vector: Vector, k: int, as_of: datetime | None = None
    ) -> list[Hit]:
        """Top-k by cosine within the scope, current records only (or those believed true at ``as_of``)."""
        ...

    def vector_search_many(
        self, kind: Literal["memory", "entity"], scope: Scope, vectors: Sequence[Vector], k: int
    ) -> list[list[Hit]]:
        """``vector_search`` (current records) for several query vectors at once: the i-th list holds what
        ``vector_search(kind, scope, vectors[i], k)`` returns. One call, so ``add`` gathers the candidates of all
        of an episode's entities (or facts) in one store call, however many it names (DESIGN §3.4)."""
        ...

    def text_search(
        self,
        kind: Literal["memory", "entity"],
        scope: Scope,
        terms: Sequence[str],
        k: int,
        as_of: datetime | None = None,
    ) -> list[Hit]:
        """BM25 over memory text or entity names/aliases; higher scores are better."""
        ...

    def similarity(self, kind: VectorKind, ids: Sequence[str], vector: Vector) -> dict[str, float]:
        """Cosine of the vector with each stored record that has an embedding (exact, no index cut-off)."""
        ...

    # -- entities and relations ------------------------------------------------------------------------------------
    def find_entities(self, scope: Scope, normalized_names: Sequence[str]) -> dict[str, EntityRecord]:
        """Entities of exactly this scope whose normalized name or alias is one of the given keys."""
        ...

    def entities_named(self, scope: Scope, normalized_names: Sequence[str]) -> list[EntityRecord]:
        """Entities visible under a read scope whose normalized name or alias is one of the keys."""
        ...

    def get_entities(self, ids: Sequence[str]) -> list[EntityRecord]: ...
    def list_entities(self, scope: Scope) -> list[EntityRecord]: ...
    def get_relations(self, ids: Sequence[str]) -> list[RelationRecord]: ...
    def list_relations(self, scope: Scope, include_expired: bool = False) -> list[RelationRecord]: ...
    def find_relations(self, scope: Scope, keys: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        """Current relation ids of exactly this scope by (source_id, type, target_id)."""
        ...

    def edges(
        self, scope: Scope, entity_ids: Sequence[str], per_entity: int, as_of: datetime | None = None
    ) -> list[RelationRecord]:
        """Relations touching the entities (either direction), at most ``per_entity`` each, newest first."""
        ...

    def edge_rows(
        self,
        scope: Scope,
        entity_ids: Sequence[str],
        per_entity: int,
        as_of: datetime | None = None,
        prefer: dict[str, float] | None = None,
    ) -> list[Edge]:
        """``edges`` as light rows (``Edge``) for the walk, and the cap through a hub chosen by what the walk asks:
        per entity the ``per_entity`` best edges, those of the types ``prefer`` weighs above 0 first (highest
        first; weights at or below 0 are ignored), then the newest (``capped`` states the order). The store ranks
        them before reading the far ends, so a hub with thousands of edges returns ``per_entity`` rows, not
        thousands. ``GraphBacked`` derives it from ``GraphStore.edges``."""
        ...

    def relations_citing(self, scope: Scope, memory_ids: Sequence[str]) -> list[RelationRecord]:
        """Current relations whose provenance names any of the memories."""
        ...

    def close(self) -> None: ...
