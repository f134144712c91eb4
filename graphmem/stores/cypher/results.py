"""The row contract of every read query: each query file is named here with the TypedDict of the rows it returns,
so the store reads typed rows (``CypherStore._read(MEMORY_GET_MANY, ...)``) and a query that changes its columns
changes its type here. Nullable properties come back as None (a map projection keeps absent properties as null).
The ``*_map`` fragments (``cypher/<dialect>/fragments/``) build the record rows."""

from __future__ import annotations

from typing import Generic, TypedDict, TypeVar

R = TypeVar("R")


class Read(Generic[R]):
    """A read query's file name, typed by the rows it returns."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


class MemoryRow(TypedDict):
    """``memory_map``, plus the embedding where ``memory_get_many`` is asked for it."""

    id: str
    text: str
    hash: str
    user_id: str
    agent_id: str
    run_id: str
    tenant: str | None  # None on a node written before the tenant fence and not yet backfilled (rows.scope_of: '')
    metadata: str  # JSON text
    categories: str  # JSON text
    actor_id: str | None
    role: str | None
    created_at: str
    updated_at: str | None
    valid_at: str | None
    invalid_at: str | None
    expired_at: str | None


class MemoryWithEmbedding(MemoryRow, total=False):
    embedding: list[float] | None


class EntityRow(TypedDict):
    """``entity_map``: the entity's properties, its aliases and every normalized name it answers to."""

    id: str
    name: str
    normalized: str
    type: str
    summary: str | None
    user_id: str
    agent_id: str
    run_id: str
    tenant: str | None  # None on a node written before the tenant fence and not yet backfilled (rows.scope_of: '')
    created_at: str
    aliases: list[str]
    names: list[str]


class RelationRow(TypedDict):
    """``relation_map``: the edge's properties (provenance as native lists) and its two ends."""

    id: str
    type: str
    fact: str
    user_id: str
    agent_id: str
    run_id: str
    tenant: str | None  # None on a node written before the tenant fence and not yet backfilled (rows.scope_of: '')
    confidence: float
    created_at: str
    valid_at: str | None
    invalid_at: str | None
    expired_at: str | None
    memory_ids: list[str]
    episode_ids: list[str]
    actor_id: str | None
    source_id: str
    target_id: str
    source: str
    target: str


class EdgeRow(TypedDict):
    """``edge_rows``: what the graph walk steers by (``stores.base.Edge``), provenance as a native list."""

    id: str
    source_id: str
    target_id: str
    source: str
    target: str
    type: str
    fact: str
    created_at: str
    memory_ids: list[str] | None


class MemoryResult(TypedDict):
    memory: MemoryWithEmbedding
    episode_ids: list[str]  # the episodes that produced it, in the order they did


class EntityResult(TypedDict):
    entity: EntityRow


class RelationResult(TypedDict):
    relation: RelationRow


class EpisodeResult(TypedDict):
    episode: dict[str, object]  # every property (rows.episode_props)


class HistoryResult(TypedDict):
    event: dict[str, object]  # every property (rows.history_props)


class VectorRow(TypedDict):
    """``vector_top_k``: the scope's row count, the index candidates asked for (0: an exact search), the store's
    count, and the top k as [id, score] pairs."""

    rows: int
    candidates: int
    total: int
    hits: list[tuple[str, float]]


class VectorManyRow(VectorRow):
    i: int  # the query's position in the caller's list


class FulltextRow(TypedDict):
    """How many matches the full-text index handed over, the lowest score among them, and the scope's top k."""

    yielded: int
    floor: float | None
    hits: list[tuple[str, float]]


class ScoreRow(TypedDict):
    id: str
    score: float


class MentionRow(TypedDict):
    memory_id: str
    entity_id: str


class HashRow(TypedDict):
    hash: str
    id: str


class KeyRow(TypedDict):
    key: list[str]  # (source_id, type, target_id)
    id: str | None


class PendingFilterRow(TypedDict):
    id: str
    metadata: str
    categories: str


EDGES: Read[RelationResult] = Read("edges")
EDGE_ROWS: Read[EdgeRow] = Read("edge_rows")
ENTITIES_BY_KEYS: Read[EntityResult] = Read("entities_by_keys")
ENTITIES_BY_NAMES: Read[EntityResult] = Read("entities_by_names")
ENTITIES_GET: Read[EntityResult] = Read("entities_get")
ENTITIES_LIST: Read[EntityResult] = Read("entities_list")
EPISODE_GET: Read[EpisodeResult] = Read("episode_get")
EPISODE_LIST: Read[EpisodeResult] = Read("episode_list")
HISTORY_GET: Read[HistoryResult] = Read("history_get")
MEMORIES_MENTIONING: Read[MentionRow] = Read("memories_mentioning")
MEMORY_BY_HASH: Read[HashRow] = Read("memory_by_hash")
MEMORY_FILTER_PENDING: Read[PendingFilterRow] = Read("memory_filter_pending")
MEMORY_GET_MANY: Read[MemoryResult] = Read("memory_get_many")
MEMORY_LIST: Read[MemoryResult] = Read("memory_list")
MEMORY_SELECT: Read[MemoryResult] = Read("memory_select")  # its text carries __FILTER__ until the store fills it
MENTIONS_GET: Read[MentionRow] = Read("mentions_get")
RELATIONS_CITING: Read[RelationResult] = Read("relations_citing")
RELATIONS_FIND: Read[KeyRow] = Read("relations_find")
RELATIONS_GET: Read[RelationResult] = Read("relations_get")
RELATIONS_LIST: Read[RelationResult] = Read("relations_list")
VECTOR: dict[str, Read[VectorRow]] = {k: Read(f"{k}_vector") for k in ("memory", "entity", "relation")}
VECTOR_MANY: dict[str, Read[VectorManyRow]] = {k: Read(f"{k}_vector_many") for k in ("memory", "entity")}
FULLTEXT: dict[str, Read[FulltextRow]] = {k: Read(f"{k}_fulltext") for k in ("memory", "entity")}
SIMILARITY: dict[str, Read[ScoreRow]] = {k: Read(f"{k}_similarity") for k in ("memory", "entity", "relation")}
