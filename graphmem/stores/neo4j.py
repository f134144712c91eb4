"""The Neo4j backend: the official driver, Cypher from ``cypher/neo4j/``, managed transactions with retry.

Graph shape: ``(:Episode)-[:PRODUCED]->(:Memory)-[:MENTIONS]->(:Entity)-[:RELATES {type, fact, ...}]->(:Entity)``,
plus ``(:History)`` events. Relation types are a validated property of one ``RELATES`` edge type, so no query is
ever assembled from text. Scope fields hold '' when unset; timestamps are ISO-8601 UTC strings.

Vector search keeps recall for small tenants: a scope with at most ``exact_limit`` embedded rows is searched
exactly (cosine over the scope's rows, which the scope indexes find); a larger one goes through the vector index
with a candidate pool that widens until it holds k rows of the scope (or covers the whole index).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

import numpy as np
from neo4j import Driver, GraphDatabase, ManagedTransaction
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConfigurationError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
)

from graphmem.errors import StoreError, ValidationError
from graphmem.models import (
    EntityRecord,
    Episode,
    HistoryEvent,
    MemoryRecord,
    RelationRecord,
    Scope,
    normalize_name,
    utcnow,
)
from graphmem.recall.terms import quoted_or_query
from graphmem.stores.base import Hit, Vector, VectorKind, WritePlan
from graphmem.stores.cypher_files import query, schema
from graphmem.stores.rows import (
    entity_from,
    entity_props,
    episode_from,
    episode_props,
    history_from,
    history_props,
    iso,
    iso_or_none,
    memory_from,
    memory_props,
    relation_from,
    relation_props,
    scope_values,
)

T = TypeVar("T")
_DIALECT = "neo4j"
_ANN_WIDEN = 4  # each retry of an approximate search asks for this many times more candidates


def _q(name: str) -> str:
    """A query of ours by name: files shipped with the code, never text from a user or a model."""
    return query(_DIALECT, name)


def _read_scope(scope: Scope) -> dict[str, str | None]:
    return {"user_id": scope.user_id, "agent_id": scope.agent_id, "run_id": scope.run_id}


def _vector(v: Vector | Sequence[float]) -> list[float]:
    return [float(x) for x in np.asarray(v, dtype=np.float32)]


class Neo4jStore:
    def __init__(
        self,
        url: str,
        username: str | None,
        password: str | None,
        database: str | None,
        dim: int,
        exact_limit: int = 50_000,
        max_retry_time: float = 30.0,
    ) -> None:
        self.url = url
        self.database = database or None
        self.dim = dim
        self.exact_limit = exact_limit
        auth = (username, password or "") if username else None
        try:
            self._driver: Driver = GraphDatabase.driver(
                url,
                auth=auth,
                max_transaction_retry_time=max_retry_time,
                notifications_min_severity="OFF",  # our queries are fixed; planner hints would only be noise
            )
            self._driver.verify_connectivity()
        except AuthError:
            raise StoreError(f"Neo4j at {url} refused the credentials for user {username!r}") from None
        except (ServiceUnavailable, OSError) as exc:
            raise StoreError(f"cannot reach Neo4j at {url}: {_reason(exc)}") from None
        except (ConfigurationError, ValueError) as exc:  # a malformed URI
            raise StoreError(f"bad Neo4j URI {url!r}: {exc}") from None
        except Neo4jError as exc:
            raise StoreError(f"Neo4j at {url} failed: {exc.message or exc}") from None
        self._ensure_schema()

    # -- plumbing ---------------------------------------------------------------------------------------------------
    def _write(self, work: Callable[[ManagedTransaction], T]) -> T:
        """One managed write transaction; the driver retries it on transient failures (it must be idempotent)."""
        try:
            with self._driver.session(database=self.database) as session:
                return session.execute_write(work)
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreError(f"lost the connection to Neo4j at {self.url}: {_reason(exc)}") from exc

    def _read(self, name: str, **params: Any) -> list[dict[str, Any]]:
        try:
            with self._driver.session(database=self.database) as session:
                return session.execute_read(lambda tx: [r.data() for r in tx.run(_q(name), params)])
        except (ServiceUnavailable, SessionExpired) as exc:
            raise StoreError(f"lost the connection to Neo4j at {self.url}: {_reason(exc)}") from exc

    def _ensure_schema(self) -> None:
        """Constraints and indexes, idempotent (IF NOT EXISTS), then wait until every index is online."""
        with self._driver.session(database=self.database) as session:
            for name, text in schema(_DIALECT):
                try:
                    session.run(text, {"dim": self.dim}).consume()
                except ClientError as exc:
                    raise StoreError(f"cannot create the schema item {name} on {self.url}: {exc.message}") from None
            session.run("CALL db.awaitIndexes(300)").consume()

    def close(self) -> None:
        self._driver.close()

    def run_read_only(self, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Run a user's Cypher after EXPLAIN shows it only reads, inside a read transaction (``Memory.cypher``)."""
        with self._driver.session(database=self.database) as session:
            try:
                summary = session.run("EXPLAIN " + text, params).consume()
            except ClientError as exc:
                raise ValidationError("query", exc.message or str(exc)) from None
            if summary.query_type != "r":
                raise ValidationError(
                    "query", f"only read queries are allowed here (this one is {summary.query_type!r})"
                )
            # Checked read-only above, and run in a read transaction so the server refuses writes too.
            return session.execute_read(lambda tx: [r.data() for r in tx.run(text, params)])

    # -- episodes ---------------------------------------------------------------------------------------------------
    def write_episode(self, episode: Episode) -> None:
        props = episode_props(episode)
        self._write(lambda tx: tx.run(_q("episode_write"), id=episode.id, props=props).consume())

    def set_episode_status(self, episode_id: str, status: str, error: str | None = None) -> None:
        self._write(lambda tx: tx.run(_q("episode_set_status"), id=episode_id, status=status, error=error).consume())

    def get_episode(self, episode_id: str) -> Episode | None:
        rows = self._read("episode_get", id=episode_id)
        return episode_from(rows[0]["episode"]) if rows else None

    def list_episodes(self, scope: Scope) -> list[Episode]:
        return [episode_from(r["episode"]) for r in self._read("episode_list", **_read_scope(scope))]

    # -- the add transaction ----------------------------------------------------------------------------------------
    def apply(self, plan: WritePlan) -> None:
        memories = [
            {"id": m.id, "episode_ids": m.episode_ids,
             "props": {**memory_props(m), "embedding": _vector(m.embedding) if m.embedding else None}}
            for m in plan.memories
        ]  # fmt: skip
        entities = [
            {"id": e.id, "props": {**entity_props(e), "names": _names(e), "aliases": list(e.aliases),
                                   "aliases_text": " | ".join(e.aliases),
                                   "embedding": _vector(e.embedding) if e.embedding else None}}
            for e in plan.entities
        ]  # fmt: skip
        aliases = [{"id": i, "alias": a, "normalized": normalize_name(a)} for i, a in plan.entity_aliases]
        relations = [
            {"id": r.id, "source_id": r.source_id, "target_id": r.target_id,
             "props": {**relation_props(r), "memory_ids": r.provenance.memory_ids,
                       "episode_ids": r.provenance.episode_ids,
                       "embedding": _vector(r.embedding) if r.embedding else None}}
            for r in plan.relations
        ]  # fmt: skip
        updates = [u.model_dump(mode="json") | {"id": u.relation_id} for u in plan.relation_updates]
        invalidations = [
            {"id": i.id, "invalid_at": iso_or_none(i.invalid_at), "expired_at": iso(i.expired_at)}
            for i in plan.relation_invalidations
        ]
        memory_invalidations = [
            {"id": i.id, "invalid_at": iso_or_none(i.invalid_at), "expired_at": iso(i.expired_at)}
            for i in plan.memory_invalidations
        ]
        memory_updates = [_memory_update(m) for m in plan.memory_updates]
        links = [{"memory_id": m, "episode_id": e} for m, e in plan.memory_episode_links]
        mentions = [{"memory_id": m, "entity_id": e} for m, e in plan.mentions]
        history = [history_props(h) for h in plan.history]

        def work(tx: ManagedTransaction) -> None:
            for name, rows in (
                ("plan_memories", memories), ("plan_memory_links", links), ("plan_entities", entities),
                ("plan_entity_aliases", aliases), ("plan_relations", relations),
                ("plan_relation_updates", updates), ("plan_relation_invalidations", invalidations),
                ("plan_memory_invalidations", memory_invalidations), ("memory_update", memory_updates),
                ("plan_mentions", mentions), ("plan_history", history),
            ):  # fmt: skip
                if rows:
                    tx.run(_q(name), rows=rows).consume()
            tx.run(_q("episode_done"), id=plan.episode_id).consume()

        self._write(work)

    # -- memories ---------------------------------------------------------------------------------------------------
    def get_memory(self, memory_id: str) -> MemoryRecord | None:
        found = self.get_memories([memory_id])
        return found[0] if found else None

    def get_memories(self, ids: Sequence[str], with_embeddings: bool = False) -> list[MemoryRecord]:
        if not ids:
            return []
        rows = self._read("memory_get_many", ids=list(ids), with_embeddings=with_embeddings)
        return [memory_from(r["memory"], r["episode_ids"], r["memory"].get("embedding")) for r in rows]

    def list_memories(self, scope: Scope, include_expired: bool = False) -> Iterator[MemoryRecord]:
        rows = self._read("memory_list", **_read_scope(scope), include_expired=include_expired, now=iso(utcnow()))
        for r in rows:
            yield memory_from(r["memory"], r["episode_ids"], None)

    def find_memories_by_hash(self, scope: Scope, hashes: Sequence[str]) -> dict[str, MemoryRecord]:
        if not hashes:
            return {}
        rows = self._read("memory_by_hash", hashes=list(hashes), **scope_values(scope), now=iso(utcnow()))
        ids: dict[str, str] = {}
        for r in rows:
            ids.setdefault(r["hash"], r["id"])
        records = {m.id: m for m in self.get_memories(list(ids.values()))}
        return {h: records[i] for h, i in ids.items() if i in records}

    def update_memory(self, record: MemoryRecord, event: HistoryEvent) -> None:
        rows = [_memory_update(record)]
        row = history_props(event)

        def work(tx: ManagedTransaction) -> None:
            tx.run(_q("memory_update"), rows=rows).consume()
            tx.run(_q("history_write"), row=row).consume()

        self._write(work)

    def delete_memories(self, ids: Sequence[str], events: Sequence[HistoryEvent]) -> None:
        rows = [history_props(h) for h in events]
        now = iso(utcnow())

        def work(tx: ManagedTransaction) -> None:
            tx.run(_q("memory_delete"), ids=list(ids)).consume()
            tx.run(_q("relations_release_memories"), ids=list(ids), now=now).consume()
            if rows:
                tx.run(_q("plan_history"), rows=rows).consume()

        self._write(work)

    def delete_scope(self, scope: Scope) -> int:
        params = _read_scope(scope)

        def work(tx: ManagedTransaction) -> int:
            deleted = tx.run(_q("scope_delete_memories"), params).single()
            tx.run(_q("scope_delete_entities"), params).consume()
            tx.run(_q("scope_delete_episodes"), params).consume()
            return int(deleted["deleted"]) if deleted else 0

        return self._write(work)

    def reset(self) -> None:
        with self._driver.session(database=self.database) as session:
            session.run(_q("reset")).consume()  # batched deletes need an auto-commit transaction

    def history(self, memory_id: str) -> list[HistoryEvent]:
        return [history_from(r["event"]) for r in self._read("history_get", memory_id=memory_id)]

    def mentions(self, memory_ids: Sequence[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in self._read("mentions_get", ids=list(memory_ids)):
            out.setdefault(r["memory_id"], []).append(r["entity_id"])
        return out

    def memories_mentioning(self, scope: Scope, entity_ids: Sequence[str], limit: int) -> list[tuple[str, str]]:
        rows = self._read(
            "memories_mentioning", entity_ids=list(entity_ids), **_read_scope(scope), limit=limit, now=iso(utcnow())
        )
        return [(r["memory_id"], r["entity_id"]) for r in rows]

    # -- search lanes -----------------------------------------------------------------------------------------------
    def vector_search(
        self, kind: VectorKind, scope: Scope, vector: Vector, k: int, as_of: datetime | None = None
    ) -> list[Hit]:
        if k <= 0:
            return []
        params = {**_read_scope(scope), "vector": _vector(vector), "k": k, "as_of": iso_or_none(as_of),
                  "now": iso(utcnow())}  # fmt: skip
        size = self._count(kind, _read_scope(scope))
        if size <= self.exact_limit:
            return self._hits(f"{kind}_vector_exact", params)
        total = self._count(kind, _read_scope(Scope()))
        candidates = min(max(k * 10, 100), total)
        while True:
            hits = self._hits(f"{kind}_vector_ann", {**params, "candidates": candidates})
            if len(hits) >= k or candidates >= total:
                return hits
            candidates = min(candidates * _ANN_WIDEN, total)

    def _count(self, kind: VectorKind, scope: dict[str, str | None]) -> int:
        return int(self._read(f"{kind}_scope_count", **scope)[0]["n"])

    def _hits(self, name: str, params: dict[str, Any]) -> list[Hit]:
        return [(r["id"], float(r["score"])) for r in self._read(name, **params)]

    def text_search(
        self,
        kind: Literal["memory", "entity"],
        scope: Scope,
        terms: Sequence[str],
        k: int,
        as_of: datetime | None = None,
    ) -> list[Hit]:
        if not terms or k <= 0:
            return []
        params = {**_read_scope(scope), "query": quoted_or_query(terms), "k": k, "as_of": iso_or_none(as_of),
                  "now": iso(utcnow())}  # fmt: skip
        return self._hits(f"{kind}_fulltext", params)

    def similarity(self, kind: VectorKind, ids: Sequence[str], vector: Vector) -> dict[str, float]:
        if not ids:
            return {}
        rows = self._read(f"{kind}_similarity", ids=list(ids), vector=_vector(vector))
        return {r["id"]: float(r["score"]) for r in rows}

    # -- entities and relations -------------------------------------------------------------------------------------
    def find_entities(self, scope: Scope, normalized_names: Sequence[str]) -> dict[str, EntityRecord]:
        return self._entities_by_names(dict(scope_values(scope)), normalized_names)

    def entities_named(self, scope: Scope, normalized_names: Sequence[str]) -> list[EntityRecord]:
        found = self._entities_by_names(_read_scope(scope), normalized_names)
        return list({e.id: e for e in found.values()}.values())

    def _entities_by_names(self, scope: dict[str, Any], names: Sequence[str]) -> dict[str, EntityRecord]:
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return {}
        out: dict[str, EntityRecord] = {}
        for r in self._read("entities_by_names", **scope, names=wanted):
            entity = r["entity"]
            record = entity_from(entity, list(entity["aliases"]))
            for key in entity["names"]:
                if key in wanted:
                    out.setdefault(key, record)
        return out

    def get_entities(self, ids: Sequence[str]) -> list[EntityRecord]:
        if not ids:
            return []
        return [
            entity_from(r["entity"], list(r["entity"]["aliases"])) for r in self._read("entities_get", ids=list(ids))
        ]

    def list_entities(self, scope: Scope) -> list[EntityRecord]:
        return [entity_from(r["entity"], list(r["entity"]["aliases"])) for r in
                self._read("entities_list", **_read_scope(scope))]  # fmt: skip

    def get_relations(self, ids: Sequence[str]) -> list[RelationRecord]:
        if not ids:
            return []
        by_id = {r.id: r for r in (relation_from(_relation_row(x["relation"])) for x in
                                    self._read("relations_get", ids=list(ids)))}  # fmt: skip
        return [by_id[i] for i in ids if i in by_id]

    def list_relations(self, scope: Scope, include_expired: bool = False) -> list[RelationRecord]:
        rows = self._read("relations_list", **_read_scope(scope), include_expired=include_expired, now=iso(utcnow()))
        return [relation_from(_relation_row(r["relation"])) for r in rows]

    def find_relations(self, scope: Scope, keys: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        if not keys:
            return {}
        rows = self._read("relations_find", keys=[list(k) for k in dict.fromkeys(keys)], **scope_values(scope),
                          now=iso(utcnow()))  # fmt: skip
        return {(r["key"][0], r["key"][1], r["key"][2]): r["id"] for r in rows if r["id"] is not None}

    def relations_citing(self, scope: Scope, memory_ids: Sequence[str]) -> list[RelationRecord]:
        if not memory_ids:
            return []
        rows = self._read("relations_citing", ids=list(memory_ids), **_read_scope(scope), now=iso(utcnow()))
        return [relation_from(_relation_row(r["relation"])) for r in rows]

    def edges(
        self, scope: Scope, entity_ids: Sequence[str], per_entity: int, as_of: datetime | None = None
    ) -> list[RelationRecord]:
        if not entity_ids:
            return []
        rows = self._read("edges", entity_ids=list(dict.fromkeys(entity_ids)), per_entity=per_entity,
                          **_read_scope(scope), as_of=iso_or_none(as_of), now=iso(utcnow()))  # fmt: skip
        return [relation_from(_relation_row(r["relation"])) for r in rows]


def _memory_update(m: MemoryRecord) -> dict[str, Any]:
    props = memory_props(m)
    return {"id": m.id, "text": m.text, "hash": m.hash, "metadata": props["metadata"],
            "updated_at": props["updated_at"], "embedding": _vector(m.embedding) if m.embedding else None}  # fmt: skip


def _names(e: EntityRecord) -> list[str]:
    return list(dict.fromkeys(normalize_name(n) for n in [e.name, *e.aliases] if normalize_name(n)))


def _relation_row(props: dict[str, Any]) -> dict[str, Any]:
    """Provenance lists are native lists on the edge (queryable in Cypher); rows.py reads JSON text."""
    return {**props, "memory_ids": json.dumps(props.get("memory_ids") or []),
            "episode_ids": json.dumps(props.get("episode_ids") or [])}  # fmt: skip


def _reason(exc: BaseException) -> str:
    """The driver's message on one line (it nests causes over several), without its internals."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."
