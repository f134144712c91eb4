"""One store for every Cypher engine spoken over Bolt: the official driver, managed transactions with retry, and
the queries of a dialect (``dialect.py``: a folder chain of query files plus a small object for what differs).

Graph shape: ``(:Episode)-[:PRODUCED]->(:Memory)-[:MENTIONS]->(:Entity)-[:RELATES {type, fact, ...}]->(:Entity)``,
plus ``(:History)`` events. Relation types are a validated property of one ``RELATES`` edge type, so no query is
ever assembled from text. Scope fields hold '' when unset; timestamps are ISO-8601 UTC strings. Every record also
carries its tenant (the service's fence, issue 12), which the scope fragments (``in_scope``, ``exact_scope``,
``seek``) match exactly on every scoped read and write, and which the entity and write-lock keys include.

Reads are one query each, in an auto-commit transaction (one round trip), and their cost follows the scope, not
the store: a scope's rows come from an index seek on its most selective key (``_seek``, the ``seek`` fragment),
full-text queries carry the scope into the index's own query (``CypherDialect.fulltext_query``), lookups by id use
the unique indexes, and named properties keep the embeddings from being read where they are not needed.
``tests/neo4j/test_query_plans.py`` EXPLAINs what a search sends and fails on any label or relationship scan.

Vector search keeps recall for small tenants: a small scope (at most ``exact_limit`` rows, and few enough that
reading them costs less than the index's candidate pool for it) is searched exactly over its own rows; a larger
one goes through the vector index with a pool sized to hold about 2k of the scope's rows, widened until it holds k
(or covers the whole index). Where the index filters by scope inside the search (Neo4j's calendar line, see
``cypher/neo4j_calendar``) the pool is about 2k (``_pool``) whatever the scope's share. Scores are exact cosines
either way. Every read's rows are typed (``results.py``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal, NamedTuple, TypeVar, cast

from neo4j import READ_ACCESS, Driver, GraphDatabase, ManagedTransaction
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConfigurationError,
    ConstraintError,
    DriverError,
    Neo4jError,
    ServiceUnavailable,
    SessionExpired,
    TransientError,
)

from graphmem.errors import StoreConflict, StoreError, StoreUnavailable
from graphmem.filters import TRUE, Bounds, Filter, finish
from graphmem.models import EntityRecord, Episode, HistoryEvent, MemoryRecord, RelationRecord, Scope, utcnow
from graphmem.stores.base import Edge, Hit, Vector, VectorKind, WritePlan
from graphmem.stores.cypher import results as q
from graphmem.stores.cypher.dialect import CypherDialect
from graphmem.stores.cypher.results import EntityResult, Read, VectorRow
from graphmem.stores.cypher.write_params import floats, plan_params, relation_row
from graphmem.stores.failures import Translator, translated
from graphmem.stores.filter_cypher import memory_filter, metadata_props
from graphmem.stores.fulltext import quoted_or_query
from graphmem.stores.rows import (
    entity_from,
    episode_from,
    episode_props,
    history_from,
    history_props,
    iso,
    iso_or_none,
    memory_from,
    relation_from,
    scope_values,
)
from graphmem.stores.settle import EntityLookup, MemoryLookup, RelationLookup, settle

T = TypeVar("T")
R = TypeVar("R")
_INT64_MAX = 2**63 - 1
_ANN_WIDEN = 4  # each retry of an approximate search asks for this many times more candidates
# A scope is searched exactly when reading its rows costs no more than the index's candidate pool for it
# (rows <= 2 * k * total / rows, about): rows^2 <= _EXACT_RATIO * k * total, and rows <= exact_limit.
_EXACT_RATIO = 2.0
_TEXT_POOL = 3  # full-text matches handed over per hit asked for (the rest of a large scope's matches stay there)


def _pool(k: int, widen: int) -> int:
    """The candidates a vector index filtering by scope inside the search (the calendar line's ``SEARCH``) hands
    over: twice k (room for rows that are no longer current), times the caller's widening, at least 100. A dialect
    whose index cannot filter sizes its pool from the scope's share of the store instead (``vector_wanted``)."""
    return max(100, 2 * k * widen)


def _read_scope(scope: Scope) -> dict[str, str | None]:
    """A read scope's parameters (``in_scope``, ``seek``): a null id is free; the tenant is always matched."""
    return {"user_id": scope.user_id, "agent_id": scope.agent_id, "run_id": scope.run_id, "tenant": scope.tenant}


def _seek(scope: Scope) -> dict[str, str | None]:
    """The scope key the read queries seek on, as parameters: exactly one is set, the most selective of those given
    (run > user > agent); ``seek_any`` ('', every row) only for an empty scope. The ``seek`` fragment has one
    index-seek branch per key, and a branch whose key is null finds nothing, so only the chosen index is read."""
    seek: dict[str, str | None] = {"seek_run": None, "seek_user": None, "seek_agent": None, "seek_any": None}
    if scope.run_id is not None:
        seek["seek_run"] = scope.run_id
    elif scope.user_id is not None:
        seek["seek_user"] = scope.user_id
    elif scope.agent_id is not None:
        seek["seek_agent"] = scope.agent_id
    else:
        seek["seek_any"] = ""
    return seek


class TracedRead(NamedTuple):
    """One read as sent (``trace_reads``): the query file's name, its parameters and the text that ran."""

    name: str
    params: dict[str, Any]
    text: str


class CypherStore:
    """The ``Store`` over any Bolt-speaking Cypher engine; ``dialect`` says which (``stores/neo4j.py``: Neo4j). The
    dialect is refined once connected (``CypherDialect.for_server``: a release line with its own queries)."""

    # Every read is a round trip to the server: ``search`` runs its lanes on threads (``base.io_bound``). The driver
    # is thread-safe and each read opens its own session.
    io_bound = True

    def __init__(
        self,
        url: str,
        username: str | None,
        password: str | None,
        database: str | None,
        dim: int,
        dialect: CypherDialect,
        exact_limit: int = 50_000,
        max_retry_time: float = 30.0,
    ) -> None:
        self.url = url
        self.database = database or None
        self.dim = dim
        self.exact_limit = exact_limit
        self.max_retry_time = max_retry_time
        self._traced: list[TracedRead] | None = None
        product = dialect.product
        self._failure = _bolt_failure(product, url)
        auth = (username, password or "") if username else None
        try:
            self._driver: Driver = GraphDatabase.driver(
                url,
                auth=auth,
                max_transaction_retry_time=max_retry_time,
                notifications_min_severity="OFF",  # our queries are fixed; planner hints would only be noise
            )
            self._driver.verify_connectivity()
            self.dialect = dialect.for_server(self._driver.get_server_info().agent)
        except AuthError:
            raise StoreError(f"{product} at {url} refused the credentials for user {username!r}") from None
        except (ServiceUnavailable, OSError) as exc:
            raise StoreError(f"cannot reach {product} at {url}: {_reason(exc)}") from None
        except (ConfigurationError, ValueError) as exc:  # a malformed URI
            raise StoreError(f"bad {product} URI {url!r}: {exc}") from None
        except Neo4jError as exc:
            raise StoreError(f"{product} at {url} failed: {exc.message or exc}") from None
        self._ensure_schema()

    # -- plumbing ---------------------------------------------------------------------------------------------------
    def _q(self, name: str) -> str:
        """A query of ours by name: files shipped with the code, never text from a user or a model."""
        return self.dialect.query(name)

    def _write(self, work: Callable[[ManagedTransaction], T]) -> T:
        """One managed write transaction; the driver retries it on transient failures (it must be idempotent)."""
        with translated(self._failure), self._driver.session(database=self.database) as session:
            return session.execute_write(work)

    def _read(self, read: Read[R], /, **params: Any) -> list[R]:
        """One read query's rows, typed by its contract (``results.py``)."""
        return cast(list[R], self._read_text(read.name, self._q(read.name), params))

    def _read_text(self, name: str, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """One read query in an auto-commit transaction: one network round trip (a managed transaction costs two
        more, BEGIN and COMMIT, which a search of a dozen reads feels). Reads are idempotent, so failures the driver
        calls retryable are retried here, with backoff, for up to ``max_retry_time`` seconds."""
        if self._traced is not None:
            self._traced.append(TracedRead(name, params, text))
        deadline: float | None = None
        delay = 0.05
        with translated(self._failure):
            while True:
                try:
                    with self._driver.session(database=self.database, default_access_mode=READ_ACCESS) as session:
                        result = session.run(text, params)
                        keys = result.keys()  # our queries return maps, lists and scalars: no Record.data() walk
                        return [dict(zip(keys, record, strict=True)) for record in result]
                except Neo4jError as exc:
                    if not exc.is_retryable():
                        raise
                    failure: Exception = exc
                except (ServiceUnavailable, SessionExpired) as exc:
                    failure = exc
                now = time.monotonic()
                deadline = now + self.max_retry_time if deadline is None else deadline
                if now + delay > deadline:
                    raise failure
                time.sleep(delay)
                delay = min(delay * 2, 1.0)

    @contextmanager
    def trace_reads(self) -> Iterator[list[TracedRead]]:
        """Record the (query name, parameters, text) of every read while the block runs (one thread at a time): what
        a ``search`` really sends, for ``explain`` (the plan test, ``benchmarks/speed.py --plans``)."""
        self._traced = []
        try:
            yield self._traced
        finally:
            self._traced = None

    def explain(self, name: str, params: dict[str, Any], text: str | None = None) -> list[tuple[str, str]]:
        """The plan of one of our read queries for these parameters, as (operator, details) pairs, depth first;
        ``text`` is the query as sent when it was rendered from its file (a compiled filter), as traced.
        Operator names lose their runtime suffix ("NodeIndexSeek@neo4j" -> "NodeIndexSeek")."""
        with self._driver.session(database=self.database, default_access_mode=READ_ACCESS) as session:
            plan = session.run("EXPLAIN " + (text or self._q(name)), params).consume().plan
        out: list[tuple[str, str]] = []

        def walk(node: dict[str, Any]) -> None:
            details = str(node.get("args", {}).get("Details", ""))
            out.append((str(node["operatorType"]).split("@", 1)[0], details))
            for child in node.get("children", []):
                walk(child)

        if plan:
            walk(plan)
        return out

    def _ensure_schema(self) -> None:
        """Constraints and indexes, idempotent (IF NOT EXISTS), then wait until the dialect says they are usable."""
        with self._driver.session(database=self.database) as session:
            for name, text in self.dialect.files.schema():
                try:
                    session.run(text, {"dim": self.dim}).consume()
                except ClientError as exc:
                    raise StoreError(f"cannot create the schema item {name} on {self.url}: {exc.message}") from None
            self.dialect.await_schema(session)
        self._backfill_filter_props()

    def _backfill_filter_props(self) -> None:
        """Memories written before filters ran in Cypher lack the flattened metadata they read
        (stores/filter_cypher.py): add it, a batch at a time. Idempotent: only memories without it are touched."""
        while True:
            rows = self._read(q.MEMORY_FILTER_PENDING, batch=1000)
            if not rows:
                return
            batch = [{"id": r["id"], "props": metadata_props(json.loads(r["metadata"]), json.loads(r["categories"]))}
                     for r in rows]  # fmt: skip

            def work(tx: ManagedTransaction, rows: list[dict[str, Any]] = batch) -> None:
                tx.run(self._q("memory_filter_backfill"), rows=rows).consume()

            self._write(work)

    def close(self) -> None:
        self._driver.close()

    def run_read_only(self, text: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Run a user's Cypher once the dialect has checked that it only reads, inside a read transaction (so the
        server refuses writes too): ``Memory.cypher``."""
        with self._driver.session(database=self.database) as session:
            self.dialect.check_read_only(session, text, params)
            return session.execute_read(lambda tx: [r.data() for r in tx.run(text, params)])

    # -- episodes ---------------------------------------------------------------------------------------------------
    def write_episode(self, episode: Episode) -> None:
        props = episode_props(episode)
        self._write(lambda tx: tx.run(self._q("episode_write"), id=episode.id, props=props).consume())

    def set_episode_status(self, episode_id: str, status: str, error: str | None = None) -> None:
        text = self._q("episode_set_status")
        self._write(lambda tx: tx.run(text, id=episode_id, status=status, error=error).consume())

    def get_episode(self, episode_id: str) -> Episode | None:
        rows = self._read(q.EPISODE_GET, id=episode_id)
        return episode_from(rows[0]["episode"]) if rows else None

    def list_episodes(self, scope: Scope) -> list[Episode]:
        return [episode_from(r["episode"]) for r in self._read(q.EPISODE_LIST, **_read_scope(scope))]

    # -- the add transaction ----------------------------------------------------------------------------------------
    def apply(self, plan: WritePlan) -> dict[str, str]:
        """The plan in one managed transaction: the scope's write lock (``scope_lock``), the plan settled against
        what earlier writers committed (``settle``, reading through the transaction), then the whole plan as one
        statement (``plan_write``). Returns {plan id: stored id} for what was remapped. A retried transaction
        settles the original plan afresh."""

        def work(tx: ManagedTransaction) -> dict[str, str]:
            scopes = (
                {r.scope for r in plan.entities} | {r.scope for r in plan.memories} | {r.scope for r in plan.relations}
            )
            for scope in sorted(scopes, key=lambda s: tuple(scope_values(s).values())):  # one order: no deadlock
                tx.run(self._q("scope_lock"), scope_values(scope)).consume()
            settled, remap = settle(plan, *_tx_lookups(tx, self._q))
            tx.run(self._q("plan_write"), plan_params(settled)).consume()
            return remap

        return self._write(work)

    # -- memories ---------------------------------------------------------------------------------------------------
    def get_memory(self, memory_id: str) -> MemoryRecord | None:
        found = self.get_memories([memory_id])
        return found[0] if found else None

    def get_memories(self, ids: Sequence[str], with_embeddings: bool = False) -> list[MemoryRecord]:
        if not ids:
            return []
        rows = self._read(q.MEMORY_GET_MANY, ids=list(ids), with_embeddings=with_embeddings)
        return [memory_from(r["memory"], r["episode_ids"], r["memory"].get("embedding")) for r in rows]

    def list_memories(
        self,
        scope: Scope,
        include_expired: bool = False,
        filters: Filter | None = None,
        limit: int | None = None,
    ) -> Iterator[MemoryRecord]:
        params = {**_read_scope(scope), **_seek(scope), "include_expired": include_expired, "now": iso(utcnow())}
        if filters is None and limit is None:
            rows = self._read(q.MEMORY_LIST, **params)
        else:
            bounds, values = memory_filter(filters) if filters is not None else (Bounds.of(TRUE), {})
            pushed = limit if limit is not None and bounds.exact else _INT64_MAX
            name = q.MEMORY_SELECT.name
            text = self._q(name).replace("__FILTER__", bounds.wider.text)  # fixed fragments, values as parameters
            rows = cast(list[q.MemoryResult], self._read_text(name, text, {**params, **values, "limit": pushed}))
        records = (memory_from(r["memory"], r["episode_ids"], None) for r in rows)
        # A candidate of the superset the reference matcher rejects is dropped (never one when the filter is exact).
        return finish(records, filters, limit)

    def find_memories_by_hash(self, scope: Scope, hashes: Sequence[str]) -> dict[str, MemoryRecord]:
        if not hashes:
            return {}
        rows = self._read(q.MEMORY_BY_HASH, hashes=list(hashes), **scope_values(scope), now=iso(utcnow()))
        ids: dict[str, str] = {}
        for r in rows:
            ids.setdefault(r["hash"], r["id"])
        records = {m.id: m for m in self.get_memories(list(ids.values()))}
        return {h: records[i] for h, i in ids.items() if i in records}

    def delete_memories(self, ids: Sequence[str], events: Sequence[HistoryEvent]) -> None:
        rows = [history_props(h) for h in events]
        now = iso(utcnow())

        def work(tx: ManagedTransaction) -> None:
            tx.run(self._q("memory_delete"), ids=list(ids)).consume()
            tx.run(self._q("relations_release_memories"), ids=list(ids), now=now).consume()
            if rows:
                tx.run(self._q("plan_history"), rows=rows).consume()

        self._write(work)

    def delete_scope(self, scope: Scope, events: Sequence[HistoryEvent] = ()) -> int:
        params = _read_scope(scope)
        rows = [history_props(h) for h in events]

        def work(tx: ManagedTransaction) -> int:
            if rows:
                tx.run(self._q("plan_history"), rows=rows).consume()
            deleted = tx.run(self._q("scope_delete_memories"), params).single()
            tx.run(self._q("scope_delete_entities"), params).consume()
            tx.run(self._q("scope_delete_episodes"), params).consume()
            return int(deleted["deleted"]) if deleted else 0

        return self._write(work)

    def reset(self) -> None:
        with translated(self._failure), self._driver.session(database=self.database) as session:
            session.run(self._q("reset")).consume()  # batched deletes need an auto-commit transaction

    def history(self, memory_id: str) -> list[HistoryEvent]:
        return [history_from(r["event"]) for r in self._read(q.HISTORY_GET, memory_id=memory_id)]

    def mentions(self, memory_ids: Sequence[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for r in self._read(q.MENTIONS_GET, ids=list(memory_ids)):
            out.setdefault(r["memory_id"], []).append(r["entity_id"])
        return out

    def memories_mentioning(self, scope: Scope, entity_ids: Sequence[str], limit: int) -> list[tuple[str, str]]:
        rows = self._read(
            q.MEMORIES_MENTIONING, entity_ids=list(entity_ids), **_read_scope(scope), limit=limit, now=iso(utcnow())
        )
        return [(r["memory_id"], r["entity_id"]) for r in rows]

    # -- search lanes -----------------------------------------------------------------------------------------------
    def vector_search(
        self, kind: VectorKind, scope: Scope, vector: Vector, k: int, as_of: datetime | None = None
    ) -> list[Hit]:
        """One query: exact over a small scope's own rows, else the vector index with a scope-sized candidate pool.
        When the pool comes back short of k rows of the scope, the index's neighbours are mostly other scopes' (many
        identical vectors, or a scope unlike the rest): the pool widens until it holds k or covers the index, or,
        once the next pool would hold more candidates than the scope has rows (and at most ``exact_limit``), the
        scope's rows are read exactly instead."""
        if k <= 0:
            return []
        params = {**_read_scope(scope), **_seek(scope), "vector": floats(vector), "k": k,
                  "as_of": iso_or_none(as_of), "now": iso(utcnow()), "exact_limit": self.exact_limit,
                  "exact_ratio": _EXACT_RATIO}  # fmt: skip
        widen, exact = 1, False
        while True:
            row = self._read(q.VECTOR[kind], **params, widen=widen, exact=exact, pool=_pool(k, widen))[0]
            hits = [(str(i), float(score)) for i, score in row["hits"]]
            retry = self._next_pool(row, len(hits), k, widen)
            if retry is None:
                return hits
            widen, exact = retry

    def vector_search_many(
        self, kind: Literal["memory", "entity"], scope: Scope, vectors: Sequence[Vector], k: int
    ) -> list[list[Hit]]:
        """``vector_search`` for every vector in one query (``<kind>_vector_many``: one round trip); the rare vector
        whose pool came back short is retried with the others that did, each with its own wider pool."""
        out: list[list[Hit]] = [[] for _ in vectors]
        if k <= 0:
            return out
        params = {**_read_scope(scope), **_seek(scope), "k": k, "now": iso(utcnow()), "exact_limit": self.exact_limit,
                  "exact_ratio": _EXACT_RATIO}  # fmt: skip
        pending = {i: (1, False) for i in range(len(vectors))}  # position -> (widen, exact)
        while pending:
            queries = [{"i": i, "vector": floats(vectors[i]), "widen": widen, "exact": exact}
                       for i, (widen, exact) in pending.items()]  # fmt: skip
            pool = _pool(k, max(widen for widen, _ in pending.values()))
            for row in self._read(q.VECTOR_MANY[kind], **params, queries=queries, pool=pool):
                i = int(row["i"])
                out[i] = [(str(ident), float(score)) for ident, score in row["hits"]]
                retry = self._next_pool(row, len(out[i]), k, pending[i][0])
                if retry is None:
                    del pending[i]
                else:
                    pending[i] = retry
        return out

    def _next_pool(self, row: VectorRow, found: int, k: int, widen: int) -> tuple[int, bool] | None:
        """After a vector query came back with ``found`` hits: None when they are the answer (k of them, an exact
        search, or a pool that covered the index), else the next try's (widen, exact)."""
        if found >= k or not row["candidates"] or row["candidates"] >= row["total"]:
            return None
        return widen * _ANN_WIDEN, row["rows"] <= min(self.exact_limit, row["candidates"] * _ANN_WIDEN)

    def text_search(
        self,
        kind: Literal["memory", "entity"],
        scope: Scope,
        terms: Sequence[str],
        k: int,
        as_of: datetime | None = None,
    ) -> list[Hit]:
        """Lucene's best ``limit`` matches (the scope inside its query), checked exactly; the top k is complete when
        Lucene had fewer matches, or when the k-th score is above the lowest one it handed over (nothing it kept back
        can rank or tie within the top k). Otherwise, rarely (many expired rows, a tie at the cut), ask for more."""
        if not terms or k <= 0 or not quoted_or_query(terms):
            return []
        params = {**_read_scope(scope), "query": self.dialect.fulltext_query(kind, terms, scope), "k": k,
                  "as_of": iso_or_none(as_of), "now": iso(utcnow())}  # fmt: skip
        limit = max(_TEXT_POOL * k, 50)
        while True:
            row = self._read(q.FULLTEXT[kind], **params, limit=limit)[0]
            hits = [(str(i), float(score)) for i, score in row["hits"]]
            floor = row["floor"]
            if row["yielded"] < limit or (len(hits) >= k and floor is not None and hits[k - 1][1] > floor):
                return hits
            limit *= _ANN_WIDEN

    def similarity(self, kind: VectorKind, ids: Sequence[str], vector: Vector) -> dict[str, float]:
        if not ids:
            return {}
        rows = self._read(q.SIMILARITY[kind], ids=list(ids), vector=floats(vector))
        return {r["id"]: float(r["score"]) for r in rows}

    # -- entities and relations -------------------------------------------------------------------------------------
    def find_entities(self, scope: Scope, normalized_names: Sequence[str]) -> dict[str, EntityRecord]:
        """Entity resolution (exact scope): index seeks per name, not a scan of the scope (``entities_by_keys``)."""
        wanted = list(dict.fromkeys(normalized_names))
        if not wanted:
            return {}
        return _by_name(self._read(q.ENTITIES_BY_KEYS, **scope_values(scope), names=wanted), wanted)

    def entities_named(self, scope: Scope, normalized_names: Sequence[str]) -> list[EntityRecord]:
        found = self._entities_by_names({**_read_scope(scope), **_seek(scope)}, normalized_names)
        return list({e.id: e for e in found.values()}.values())

    def _entities_by_names(self, scope: dict[str, Any], names: Sequence[str]) -> dict[str, EntityRecord]:
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return {}
        return _by_name(self._read(q.ENTITIES_BY_NAMES, **scope, names=wanted), wanted)

    def get_entities(self, ids: Sequence[str]) -> list[EntityRecord]:
        if not ids:
            return []
        return [
            entity_from(r["entity"], list(r["entity"]["aliases"])) for r in self._read(q.ENTITIES_GET, ids=list(ids))
        ]

    def list_entities(self, scope: Scope) -> list[EntityRecord]:
        return [entity_from(r["entity"], list(r["entity"]["aliases"])) for r in
                self._read(q.ENTITIES_LIST, **_read_scope(scope), **_seek(scope))]  # fmt: skip

    def get_relations(self, ids: Sequence[str]) -> list[RelationRecord]:
        if not ids:
            return []
        by_id = {r.id: r for r in (relation_from(relation_row(x["relation"])) for x in
                                    self._read(q.RELATIONS_GET, ids=list(ids)))}  # fmt: skip
        return [by_id[i] for i in ids if i in by_id]

    def list_relations(self, scope: Scope, include_expired: bool = False) -> list[RelationRecord]:
        rows = self._read(q.RELATIONS_LIST, **_read_scope(scope), **_seek(scope), include_expired=include_expired,
                          now=iso(utcnow()))  # fmt: skip
        return [relation_from(relation_row(r["relation"])) for r in rows]

    def find_relations(self, scope: Scope, keys: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        if not keys:
            return {}
        rows = self._read(q.RELATIONS_FIND, keys=[list(k) for k in dict.fromkeys(keys)], **scope_values(scope),
                          now=iso(utcnow()))  # fmt: skip
        return {(r["key"][0], r["key"][1], r["key"][2]): r["id"] for r in rows if r["id"] is not None}

    def relations_citing(self, scope: Scope, memory_ids: Sequence[str]) -> list[RelationRecord]:
        if not memory_ids:
            return []
        rows = self._read(q.RELATIONS_CITING, ids=list(memory_ids), **_read_scope(scope), **_seek(scope),
                          now=iso(utcnow()))  # fmt: skip
        return [relation_from(relation_row(r["relation"])) for r in rows]

    def edges(
        self, scope: Scope, entity_ids: Sequence[str], per_entity: int, as_of: datetime | None = None
    ) -> list[RelationRecord]:
        if not entity_ids:
            return []
        rows = self._read(q.EDGES, entity_ids=list(dict.fromkeys(entity_ids)), per_entity=per_entity,
                          **_read_scope(scope), as_of=iso_or_none(as_of), now=iso(utcnow()))  # fmt: skip
        return [relation_from(relation_row(r["relation"])) for r in rows]

    def edge_rows(
        self,
        scope: Scope,
        entity_ids: Sequence[str],
        per_entity: int,
        as_of: datetime | None = None,
        prefer: dict[str, float] | None = None,
    ) -> list[Edge]:
        """One read, ranked and capped per entity in the query (``edge_rows.cypher``), tuples built here."""
        if not entity_ids:
            return []
        weights = {t: w for t, w in (prefer or {}).items() if w > 0.0}
        wanted = list(dict.fromkeys(entity_ids))
        rows = self._read(q.EDGE_ROWS, entity_ids=wanted, per_entity=per_entity, prefer=weights,
                          **_read_scope(scope), as_of=iso_or_none(as_of), now=iso(utcnow()))  # fmt: skip
        return [Edge(r["id"], r["source_id"], r["target_id"], r["source"], r["target"], r["type"], r["fact"],
                     r["created_at"], tuple(r["memory_ids"] or ())) for r in rows]  # fmt: skip


def _tx_lookups(
    tx: ManagedTransaction, query: Callable[[str], str]
) -> tuple[EntityLookup, MemoryLookup, RelationLookup]:
    """``settle``'s lookups, read through the write transaction (after the scope's lock: they see every earlier
    writer's commit). The same queries as ``find_entities``, ``find_memories_by_hash`` and ``find_relations``."""

    def entities(scope: Scope, keys: Sequence[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(keys))
        found = tx.run(query("entities_by_keys"), {**scope_values(scope), "names": wanted}).data()
        rows = cast(list[EntityResult], found)
        return {k: e.id for k, e in _by_name(rows, wanted).items()}

    def memories(scope: Scope, hashes: Sequence[str]) -> dict[str, str]:
        out: dict[str, str] = {}
        params = {**scope_values(scope), "hashes": list(hashes), "now": iso(utcnow())}
        for r in tx.run(query("memory_by_hash"), params):
            out.setdefault(r["hash"], r["id"])
        return out

    def relations(scope: Scope, keys: Sequence[tuple[str, str, str]]) -> dict[tuple[str, str, str], str]:
        rows = tx.run(query("relations_find"), {**scope_values(scope), "keys": [list(k) for k in keys],
                                                "now": iso(utcnow())})  # fmt: skip
        return {(r["key"][0], r["key"][1], r["key"][2]): r["id"] for r in rows if r["id"] is not None}

    return entities, memories, relations


def _bolt_failure(product: str, url: str) -> Translator:
    """The driver's errors as the store errors every backend raises (``stores/failures.py``)."""

    def translate(exc: Exception) -> StoreError | None:
        if isinstance(exc, (ServiceUnavailable, SessionExpired, TransientError)):
            return StoreUnavailable(f"lost the connection to {product} at {url}: {_reason(exc)}")
        if isinstance(exc, ConstraintError):
            return StoreConflict(f"{product} at {url} refused the write: {_reason(exc)}")
        if isinstance(exc, (Neo4jError, DriverError)):
            return StoreError(f"{product} at {url} failed: {_reason(exc)}")
        return None

    return translate


def _reason(exc: BaseException) -> str:
    """The driver's message on one line (it nests causes over several), without its internals."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 300 else text[:297] + "..."


def _by_name(rows: Iterable[EntityResult], wanted: Sequence[str]) -> dict[str, EntityRecord]:
    """Normalized name -> entity, from rows of ``{entity: {..., names, aliases}}``; the first row wins a name."""
    keys = set(wanted)
    out: dict[str, EntityRecord] = {}
    for r in rows:
        entity = r["entity"]
        record = entity_from(entity, list(entity["aliases"]))
        for key in entity["names"]:
            if key in keys:
                out.setdefault(key, record)
    return out
