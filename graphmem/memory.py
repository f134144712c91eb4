"""``Memory`` and ``AsyncMemory``: the mem0-shaped facade over the ingest and recall pipelines.

The facade validates arguments (errors name the parameter), builds scopes, and delegates: ``ingest`` decides and
writes, ``recall`` ranks, the store does the I/O. ``AsyncMemory`` runs the same code on worker threads, so
concurrent calls overlap their I/O (model calls, disk) without a second implementation.
"""

from __future__ import annotations

import asyncio
import copy
import functools
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from graphmem import validate
from graphmem.assemble import make_chat_model, make_embedder, make_extractor, make_reranker, make_store
from graphmem.config import MemoryConfig, SearchRecipe, parse_recipe
from graphmem.errors import NotFoundError, ValidationError
from graphmem.filters import compile_filters, lift_scope
from graphmem.ingest.extract import Extractor
from graphmem.ingest.given import given
from graphmem.ingest.normalize import normalize_messages, normalize_metadata
from graphmem.ingest.pipeline import Ingestor
from graphmem.ingest.plan import derived_id
from graphmem.ingest.triples import triples_extraction
from graphmem.models import Episode, HistoryEvent, MemoryRecord, Origin, Scope, parse_datetime, utcnow
from graphmem.providers.embed import Embedder
from graphmem.providers.llm import ChatModel
from graphmem.providers.phrases import PhraseVectors
from graphmem.recall.context import build_context
from graphmem.recall.explore import neighbors as _neighbors
from graphmem.recall.explore import paths as _paths
from graphmem.recall.explore import to_networkx as _to_networkx
from graphmem.recall.rerank import Reranker
from graphmem.recall.search import SearchRequest
from graphmem.recall.search import search as _search
from graphmem.results import AddResult, HistoryEntry
from graphmem.stores.base import GraphStore, Store
from graphmem.stores.graph_backed import full_store
from graphmem.transfer import episode_record, import_records

STALE_AFTER = timedelta(minutes=10)  # a pending episode older than this is taken as abandoned (retry_failed)

P = ParamSpec("P")
T = TypeVar("T")


def _as_of(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = parse_datetime(value)
    if parsed is None:
        shown = repr(value) if isinstance(value, str) else type(value).__name__
        raise ValidationError("as_of", f"expected a datetime or ISO-8601 string, got {shown}")
    return parsed


class Memory:
    """Graph memory with mem0's method names. Works offline by default (embedded store, local model, rules)."""

    def __init__(
        self,
        config: MemoryConfig | Mapping[str, Any] | None = None,
        *,
        store: Store | GraphStore | None = None,
        embedder: Embedder | None = None,
        extractor: Extractor | None = None,
        chat: ChatModel | None = None,
        reranker: Reranker | None = None,
    ) -> None:
        self.config = config if isinstance(config, MemoryConfig) else MemoryConfig.parse(dict(config or {}))
        self.embedder = embedder or make_embedder(self.config.embedder)
        self.store = full_store(store) if store is not None else make_store(self.config.graph_store, self.embedder.dim)
        self.chat = chat or make_chat_model(self.config.llm)
        self.extractor = extractor or make_extractor(self.chat, self.config.custom_prompt)
        # Names, relation-type phrases and query words, embedded once each for writes and searches alike.
        self._phrases = PhraseVectors(self.embedder)
        self._ingest = Ingestor(
            self.store,
            self.embedder,
            self.extractor,
            self.chat,
            self.config.reconcile,
            phrases=self._phrases,
            limits=self.config.limits,
        )
        self.reranker = reranker or make_reranker(self.config.reranker, self.chat)
        self._recipe_rerankers: dict[str, Reranker | None] = {}
        self.tenant = ""  # the library's own; ``for_tenant`` gives a view fenced to another

    def for_tenant(self, tenant: str) -> Memory:
        """This memory as one tenant sees it (the service's fence, issue 12): the same store, models and config,
        with every scope it builds carrying ``tenant``, which the stores match exactly on every read and write. So
        no user_id, id or filter a caller sends reaches another tenant's records. Closing the view closes nothing."""
        view = copy.copy(self)
        view.tenant = validate.identifier("tenant", tenant, self.config.limits)
        view.close = lambda: None  # type: ignore[method-assign]  # the store belongs to the memory it came from
        return view

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Memory:
        return cls(MemoryConfig.parse(dict(config)))

    @classmethod
    def from_config_file(cls, path: str | Path) -> Memory:
        return cls(MemoryConfig.from_file(path))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Memory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- mem0 API ----------------------------------------------------------------------------------------------------
    def add(
        self,
        messages: Any,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        metadata: dict[str, Any] | None = None,
        infer: bool = True,
        prompt: str | None = None,
        triples: Iterable[Any] | None = None,
        facts: Iterable[Any] | None = None,
    ) -> dict[str, Any]:
        """Store a conversation: the episode verbatim, then its facts, entities and relations (one transaction).

        ``triples`` and/or ``facts`` bring your own extraction (batch LLM jobs, OpenIE output, a passage collection
        with its triples): no model runs, and ``infer``/``prompt`` do not apply. ``facts`` (strings, or dicts with
        ``text`` and optionally ``entities`` and ``categories``) become the memories, by default the text itself;
        ``triples`` take ``add_triples``'s shapes and become relations, each citing the memories naming both its
        ends (with one fact, that fact; the rules are in ``ingest.given``). The episode keeps the text and what was
        given, all in one transaction.
        """
        scope = self._scope(user_id, agent_id, run_id, required=True)
        return self._add(messages, scope, metadata, infer, prompt, triples=triples, facts=facts).api()

    def _add(
        self,
        messages: Any,
        scope: Scope,
        metadata: Any,
        infer: Any,
        prompt: Any,
        origin: Origin | None = None,
        *,
        triples: Any = None,
        facts: Any = None,
    ) -> AddResult:
        """``add`` in a checked scope; ``origin``: an exported episode's id and time (``import_``)."""
        meta = self._metadata(metadata)
        if triples is not None or facts is not None:
            if prompt is not None:
                raise ValidationError("prompt", "no model runs when triples or facts are given: leave prompt out")
            msgs = validate.messages(normalize_messages(messages), self.config.limits)
            extraction, kept = given(msgs, triples, facts, self.config.limits)
            return self._ingest.add_known(extraction, scope, meta, "given", origin, [*msgs, kept])
        if not isinstance(infer, bool):
            raise ValidationError("infer", f"expected True or False, got {infer!r}")
        if prompt is not None and not isinstance(prompt, str):
            raise ValidationError("prompt", f"expected a string, got {type(prompt).__name__}")
        if prompt is not None:
            validate.check_chars("prompt", prompt, free_text=True)
        msgs = validate.messages(normalize_messages(messages), self.config.limits)
        return self._ingest.add(msgs, scope, meta, infer, prompt, origin)

    def search(
        self,
        query: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int | None = None,
        filters: dict[str, Any] | None = None,
        threshold: float | None = None,
        rerank: bool = False,
        as_of: datetime | str | None = None,
        recipe: str | SearchRecipe | Mapping[str, Any] | None = None,
        top_k: int | None = None,
    ) -> dict[str, Any]:
        """Hybrid search in scope: memories ranked by fused vector/BM25/graph lanes, plus the relations found.

        Both of mem0's call shapes work: the scope as ``user_id=``/``agent_id=``/``run_id=`` (1.x) or inside
        ``filters`` (2.x: ``filters={"user_id": "alex"}``, also as a member of a top-level ``AND``), and ``top_k``
        for ``limit`` (default 10). A value given both ways must agree (``ValidationError`` otherwise).

        ``threshold`` is a minimum cosine similarity between the query and a memory. ``filters`` and
        ``threshold`` govern ``relations`` too: a relation comes back only beside a memory that passes them and
        asserts it (a bulk-loaded triple, asserted by no memory, passes a threshold by its own fact and no
        filter). Only current facts are
        returned unless ``as_of`` asks what was believed at a past time. ``rerank=True`` reorders the best fused
        results with the configured reranker: each result gains ``rerank_score`` and the answer a ``rerank``
        entry (which reranker, how many candidates, and the error if it had to keep the fused order).
        ``recipe`` picks the lanes, weights, pools and reranker of this call: a name (``default``, ``keyword``,
        ``semantic``, ``graph``), a ``SearchRecipe`` or its dict; default: the configured ``search.recipe``.
        """
        limits = self.config.limits
        query = validate.query(query, limits)
        scope, filters = self._lifted(user_id, agent_id, run_id, filters)
        if threshold is not None and (isinstance(threshold, bool) or not isinstance(threshold, int | float)):
            raise ValidationError("threshold", f"expected a number between -1 and 1, got {threshold!r}")
        if not isinstance(rerank, bool):
            raise ValidationError("rerank", f"expected True or False, got {rerank!r}")
        chosen = parse_recipe(recipe) if recipe is not None else self.config.search.recipe
        reranker = self._recipe_reranker(chosen) or (self.reranker if rerank else None)
        if rerank and reranker is None:
            raise ValidationError(
                "rerank",
                "no reranker is configured: add a `reranker` section to the config, e.g. "
                '{"reranker": {"provider": "mmr"}} (providers: mmr, graph_distance, llm, cross_encoder), '
                "or call with rerank=False",
            )
        request = SearchRequest(
            query=query,
            scope=scope,
            limit=self._limit(limit, top_k, 10),
            filters=compile_filters(filters, limits),
            threshold=threshold,
            as_of=_as_of(as_of),
            max_query_chars=limits.max_query_chars,
        )
        found = _search(self.store, self.embedder, self.config.search.using(chosen), request, reranker, self._phrases)
        return found.api()

    def context(
        self,
        query: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        max_tokens: int = 1000,
        limit: int | None = None,
        filters: dict[str, Any] | None = None,
        threshold: float | None = None,
        as_of: datetime | str | None = None,
        top_k: int | None = None,
        count_tokens: Callable[[str], int] | None = None,
    ) -> dict[str, Any]:
        """A prompt-ready block for ``query``: the best memories (numbered, dated, who said them) and the relations
        between what they name (each citing its memories), within ``max_tokens``. Returns ``context`` (the text),
        the ``memories`` and ``relations`` it shows, ``tokens`` and ``left_out`` (what did not fit).

        It runs ``search`` with the same scope, ``filters``, ``threshold``, ``as_of`` and ``limit``/``top_k``
        (default 10). Tokens are estimated (four characters each) unless ``count_tokens`` counts them, e.g. with a
        tiktoken encoder; ``recall/context.py`` says how the budget is spent."""
        if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < 1:
            raise ValidationError("max_tokens", f"expected a positive whole number, got {validate.shown(max_tokens)}")
        if count_tokens is not None and not callable(count_tokens):
            raise ValidationError(
                "count_tokens", f"expected a function of a string, got {validate.shown(count_tokens)}"
            )
        found = self.search(query, user_id=user_id, agent_id=agent_id, run_id=run_id, limit=limit, filters=filters,
                            threshold=threshold, as_of=as_of, top_k=top_k)  # fmt: skip
        return build_context(found, max_tokens, count_tokens)

    def _recipe_reranker(self, recipe: SearchRecipe) -> Reranker | None:
        """The reranker a recipe names, built once per distinct reranker config (a model load is not per call)."""
        if recipe.reranker is None:
            return None
        key = repr(recipe.reranker)
        if key not in self._recipe_rerankers:
            self._recipe_rerankers[key] = make_reranker(recipe.reranker, self.chat)
        return self._recipe_rerankers[key]

    def get(
        self,
        memory_id: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
    ) -> dict[str, Any] | None:
        """One memory by id, or None when there is none (or, when a scope is given, none in that scope)."""
        record = self._record(memory_id, self._scope(user_id, agent_id, run_id, required=False))
        return None if record is None else record.to_api()

    def get_all(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int | None = None,
        filters: dict[str, Any] | None = None,
        top_k: int | None = None,
    ) -> dict[str, Any]:
        """Current memories in scope, oldest first: at most ``limit`` (or mem0 2.x's ``top_k``; default 100). The
        scope may be given inside ``filters``, as ``search`` takes it."""
        scope, filters = self._lifted(user_id, agent_id, run_id, filters)
        limit = self._limit(limit, top_k, 100)
        records = self.store.list_memories(scope, filters=compile_filters(filters, self.config.limits), limit=limit)
        return {"results": [record.to_api() for record in records]}

    def update(
        self,
        memory_id: str,
        data: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
    ) -> dict[str, Any]:
        """Replace a memory's text and keep the graph true to it, in one transaction. With a scope, a memory
        outside it is refused exactly as an unknown id (``NotFoundError``), as ``get`` and ``history`` answer.

        The new text is extracted and reconciled as ``add`` would (first person is the scope's user; an exclusive
        relation such as LIVES_IN replaces the old one) and what it states is written with this memory as its
        support; it stays one memory, re-embedded. Relations that only the old text supported are invalidated
        (kept: ``search(..., as_of=<earlier>)`` still sees them); those other memories also support stay current
        without this one ("unlinked"). A memory stored with ``infer=False`` is not extracted.

        The UPDATE history event holds ``old_memory``/``new_memory`` and ``relations``: ``{"added": [...],
        "invalidated": [...], "unlinked": [...]}``, each relation as ``{"source", "relationship", "destination",
        "fact"}`` (invalidated ones with ``invalid_at``). The return value says the same: ``message``, ``id``,
        ``results`` (this memory's UPDATE, plus an INVALIDATE for any other memory whose every relation was
        contradicted), ``relations`` and ``usage``. If extraction fails, nothing changes and ``ExtractionError``
        says why.
        """
        where = self._scope(user_id, agent_id, run_id, required=False)
        data = validate.text("data", data, self.config.limits)
        record = self._existing(memory_id, where)
        return self._ingest.update(record, data).api()

    def delete(
        self,
        memory_id: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
    ) -> dict[str, Any]:
        """Delete one memory (recorded in history); relations that only it supported stop being current. With a
        scope, a memory outside it is refused exactly as an unknown id (``NotFoundError``)."""
        record = self._existing(memory_id, self._scope(user_id, agent_id, run_id, required=False))
        self.store.delete_memories([record.id], [self._delete_event(record)])
        return {"message": "Memory deleted successfully!", "id": record.id}

    def delete_all(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        filters: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Delete everything in scope: memories (each recorded in history), entities, relations, episodes. The
        scope may be given inside ``filters`` (mem0 2.x), which may hold nothing else: this deletes whole scopes."""
        scope, rest = self._lifted(user_id, agent_id, run_id, filters)
        if rest:
            raise ValidationError(
                "filters",
                f"delete_all deletes a whole scope, so filters may name only user_id, agent_id and run_id (got "
                f"{', '.join(map(repr, rest))}); to delete some memories, get_all with those filters and delete each",
            )
        records = list(self.store.list_memories(scope, include_expired=True))
        self.store.delete_scope(scope, [self._delete_event(r) for r in records])  # one transaction
        return {"message": f"Deleted {len(records)} memories", "deleted": len(records)}

    def history(
        self,
        memory_id: str,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """ADD/UPDATE/DELETE events of one memory, oldest first; with a scope, only if the memory was in it. An
        UPDATE made by ``update`` also says what it did to the graph (``relations``, see ``update``)."""
        scope = self._scope(user_id, agent_id, run_id, required=False)
        events = [e for e in self.store.history(self._memory_id(memory_id)) if scope.contains(e.scope)]
        return [HistoryEntry.of(e).api() for e in events]

    def reset(self) -> None:
        """Delete every record of every scope in this store. On a tenant's view (``for_tenant``) only that
        tenant's: its memories, entities, relations and episodes, one transaction, other tenants untouched (the
        history of its memories stays, as after ``delete_all``, and is still visible to that tenant only)."""
        if self.tenant:
            self.store.delete_scope(Scope(tenant=self.tenant))
        else:
            self.store.reset()

    def retry_failed(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        stale_after: timedelta = STALE_AFTER,
    ) -> dict[str, Any]:
        """Re-process the episodes that failed (all scopes unless one is given), and those still "pending" that
        were stored longer than ``stale_after`` ago (default 10 minutes): an add whose store failed so badly that
        even marking the episode failed did not work, or whose process died before the write. A younger pending
        episode may still be in flight in another process and is left alone (with an episode dated in the past by
        ``import_``, a retry can overlap its first run; processing is idempotent, so that costs work, not data).

        Idempotent: an episode that succeeds is marked done and never retried again; one that fails again stays
        failed. A store failure while retrying raises, as in ``add``.
        """
        scope = self._scope(user_id, agent_id, run_id, required=False)
        if not isinstance(stale_after, timedelta) or stale_after < timedelta(0):
            raise ValidationError("stale_after", f"expected a timedelta of zero or more, got {stale_after!r}")
        cutoff = utcnow() - stale_after
        due = [e for e in self.store.list_episodes(scope)
               if e.status == "failed" or (e.status == "pending" and e.created_at <= cutoff)]  # fmt: skip
        results = [self._retry(e) for e in due]
        still = sum(1 for r in results if r.error)
        return {
            "retried": len(due),
            "succeeded": len(due) - still,
            "failed": still,
            "results": [r.api() for r in results],
        }

    def _retry(self, episode: Episode) -> AddResult:
        """Process a stored episode again the way it was first added: a conversation through extraction (or
        verbatim), an ``add_triples`` episode from its own triples, never through an extractor reading their JSON."""
        triples = episode.triples()
        if triples is None:
            return self._ingest.process(episode, infer=episode.source != "raw", prompt=None)
        origin = Origin(episode_id=episode.id, created_at=episode.created_at)
        extraction = triples_extraction(triples, self.config.limits)
        return self._ingest.add_known(extraction, episode.scope, episode.metadata, "triples", origin)

    # -- graph primitives ----------------------------------------------------------------------------------------------
    def add_triples(
        self,
        triples: Iterable[Any],
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Bulk-load known (source, relation, target) triples: no extraction, one transaction, one episode."""
        return self._add_triples(triples, self._scope(user_id, agent_id, run_id, required=True), metadata).api()

    def _add_triples(
        self, triples: Iterable[Any], scope: Scope, metadata: Any, origin: Origin | None = None
    ) -> AddResult:
        """``add_triples`` in a checked scope; ``origin`` as in ``_add``."""
        meta = self._metadata(metadata)
        return self._ingest.add_known(triples_extraction(triples, self.config.limits), scope, meta, "triples", origin)

    def neighbors(
        self,
        entity: str,
        *,
        hops: int = 1,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int = 100,
    ) -> dict[str, Any]:
        """Current relations within ``hops`` of an entity (by name or alias), nearest first."""
        scope = self._scope(user_id, agent_id, run_id, required=True)
        limits = self.config.limits
        return _neighbors(
            self.store,
            scope,
            validate.name("entity", entity, limits),
            validate.positive("hops", hops),
            validate.count("limit", limit, limits),
            limits,
        )

    def paths(
        self,
        source: str,
        target: str,
        *,
        max_hops: int = 3,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        limit: int = 10,
    ) -> list[dict[str, Any]]:
        """Evidence paths between two entities, shortest first; every hop carries the episodes it came from."""
        scope = self._scope(user_id, agent_id, run_id, required=True)
        return _paths(
            self.store,
            scope,
            validate.name("source", source, self.config.limits),
            validate.name("target", target, self.config.limits),
            validate.positive("max_hops", max_hops),
            validate.count("limit", limit, self.config.limits),
            limits=self.config.limits,
        )

    def to_networkx(
        self,
        *,
        user_id: str | None = None,
        agent_id: str | None = None,
        run_id: str | None = None,
        include_expired: bool = False,
    ) -> Any:
        """The scope's entity graph as a ``networkx.MultiDiGraph`` (nodes: entity ids; edges keyed by relation id)."""
        scope = self._scope(user_id, agent_id, run_id, required=True)
        return _to_networkx(self.store, scope, include_expired)

    def export(
        self, *, user_id: str | None = None, agent_id: str | None = None, run_id: str | None = None
    ) -> list[dict[str, Any]]:
        """Every episode in scope as an ``add``/``add_triples`` record, oldest first (what ``import_`` replays),
        with its ``episode_id`` and ``created_at``; triples as objects with their facts, types and ``valid_at``."""
        scope = self._scope(user_id, agent_id, run_id, required=True)
        return [episode_record(e) for e in self.store.list_episodes(scope)]

    def import_(self, records: Iterable[dict[str, Any]], *, progress: bool = False, **scope: Any) -> dict[str, Any]:
        """Replay exported records (or any ``add``-shaped dicts); bad records are reported by position, not fatal.

        A record's ``created_at`` dates what it writes (``as_of`` answers as before the export) and its
        ``episode_id`` is kept, so the derived memory/relation ids are the original ones; a record whose episode is
        already stored and done is skipped (``skipped``), which makes importing twice harmless (see ``transfer``).
        """
        default_scope = {k: v for k, v in scope.items() if v is not None}
        self._scope(
            default_scope.get("user_id"), default_scope.get("agent_id"), default_scope.get("run_id"), required=False
        )
        return import_records(self, enumerate(records, start=1), default_scope, progress=progress)

    def _replay(self, record: Mapping[str, Any], scope: Mapping[str, Any], origin: Origin | None) -> dict[str, Any]:
        """One checked import record (``transfer``) as the ``add``/``add_triples`` call it stands for."""
        where = self._scope(scope.get("user_id"), scope.get("agent_id"), scope.get("run_id"), required=True)
        meta = record.get("metadata")
        if "messages" not in record:
            return self._add_triples(record["triples"], where, meta, origin).api()
        own = {"triples": record.get("triples"), "facts": record.get("facts")}  # bring-your-own extraction, if any
        return self._add(record["messages"], where, meta, record.get("infer", True), None, origin, **own).api()

    def cypher(self, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a read-only Cypher query on a Cypher backend, for exploring the memory graph in a notebook.

        Anything that would write is refused (checked with EXPLAIN, and run in a read transaction). Scope is not
        applied for you: filter on ``user_id``/``agent_id``/``run_id`` in the query itself. So a tenant's view
        (``for_tenant``) refuses it: raw Cypher cannot be fenced to one tenant.
        """
        if self.tenant:
            raise ValidationError("query", "raw Cypher is not available to a tenant: it could read other tenants")
        if not isinstance(query, str) or not query.strip():
            raise ValidationError("query", f"expected a Cypher query string, got {validate.shown(query)}")
        if params is not None and not isinstance(params, dict):
            raise ValidationError("params", f"expected a dict, got {type(params).__name__}")
        validate.text("query", query, self.config.limits)
        validate.nested("params", params, self.config.limits.max_metadata_depth)
        run = getattr(self.store, "run_read_only", None)
        if run is None:
            raise ValidationError("query", f"{type(self.store).__name__} has no Cypher; use graph_store provider neo4j")
        result: list[dict[str, Any]] = run(query, dict(params or {}))
        return result

    # -- helpers -----------------------------------------------------------------------------------------------------
    def _scope(self, user_id: Any, agent_id: Any, run_id: Any, *, required: bool) -> Scope:
        return validate.scope(user_id, agent_id, run_id, self.config.limits, required=required, tenant=self.tenant)

    def _lifted(self, user_id: Any, agent_id: Any, run_id: Any, filters: Any) -> tuple[Scope, Any]:
        """The call's scope, from its arguments and from ``filters`` (mem0 2.x's shape), and what is left of the
        filter; the scope is required, and bad ids are refused before the filter is compiled."""
        ids, rest = lift_scope({"user_id": user_id, "agent_id": agent_id, "run_id": run_id}, filters)
        return self._scope(ids.get("user_id"), ids.get("agent_id"), ids.get("run_id"), required=True), rest

    def _limit(self, limit: Any, top_k: Any, default: int) -> int:
        """``limit`` or its mem0 2.x name ``top_k`` (both may be given only with one value), checked."""
        if limit is not None and top_k is not None and limit != top_k:
            raise ValidationError("top_k", f"top_k ({top_k!r}) and limit ({limit!r}) disagree: give one of them")
        chosen = limit if limit is not None else top_k
        return validate.count(
            "limit" if top_k is None else "top_k", default if chosen is None else chosen, self.config.limits
        )

    def _memory_id(self, memory_id: Any) -> str:
        return validate.identifier("memory_id", memory_id, self.config.limits)

    def _metadata(self, metadata: Any) -> dict[str, Any]:
        """The caller's metadata, bounded in depth and characters before ``normalize_metadata`` recurses into it."""
        validate.nested("metadata", metadata, self.config.limits.max_metadata_depth)
        return normalize_metadata(metadata)

    def _record(self, memory_id: Any, scope: Scope) -> MemoryRecord | None:
        record = self.store.get_memory(self._memory_id(memory_id))
        return record if record is not None and scope.contains(record.scope) else None

    def _existing(self, memory_id: Any, scope: Scope) -> MemoryRecord:
        """The memory, or ``NotFoundError``: the same answer for an unknown id and one outside ``scope``."""
        record = self._record(memory_id, scope)
        if record is None:
            raise NotFoundError("memory", memory_id)
        return record

    @staticmethod
    def _delete_event(record: MemoryRecord) -> HistoryEvent:
        return HistoryEvent.deleted(derived_id(record.id, "delete"), record, utcnow())


class AsyncMemory:
    """``Memory`` with every method as a coroutine, run on a thread pool so concurrent calls overlap I/O."""

    def __init__(
        self,
        config: MemoryConfig | Mapping[str, Any] | None = None,
        *,
        max_workers: int = 32,
        **components: Any,
    ) -> None:
        self.sync = Memory(config, **components)
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="graphmem")
        self._owner = True  # False on a ``for_tenant`` view, which shares the pool and the store

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> AsyncMemory:
        return cls(MemoryConfig.parse(dict(config)))

    @classmethod
    def from_config_file(cls, path: str | Path) -> AsyncMemory:
        return cls(MemoryConfig.from_file(path))

    async def _run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, functools.partial(fn, *args, **kwargs))

    async def add(self, messages: Any, **kwargs: Any) -> dict[str, Any]:
        return await self._run(self.sync.add, messages, **kwargs)

    async def search(self, query: str, **kwargs: Any) -> dict[str, Any]:
        return await self._run(self.sync.search, query, **kwargs)

    async def context(self, query: str, **kwargs: Any) -> dict[str, Any]:
        return await self._run(self.sync.context, query, **kwargs)

    async def get(self, memory_id: str, **scope: Any) -> dict[str, Any] | None:
        return await self._run(self.sync.get, memory_id, **scope)

    async def get_all(self, **kwargs: Any) -> dict[str, Any]:
        return await self._run(self.sync.get_all, **kwargs)

    async def update(self, memory_id: str, data: str, **scope: Any) -> dict[str, Any]:
        return await self._run(self.sync.update, memory_id, data, **scope)

    async def delete(self, memory_id: str, **scope: Any) -> dict[str, Any]:
        return await self._run(self.sync.delete, memory_id, **scope)

    async def delete_all(self, **kwargs: Any) -> dict[str, Any]:
        return await self._run(self.sync.delete_all, **kwargs)

    async def history(self, memory_id: str, **scope: Any) -> list[dict[str, Any]]:
        return await self._run(self.sync.history, memory_id, **scope)

    async def reset(self) -> None:
        await self._run(self.sync.reset)

    async def retry_failed(self, **scope: Any) -> dict[str, Any]:
        return await self._run(self.sync.retry_failed, **scope)

    async def add_triples(self, triples: Iterable[Any], **kwargs: Any) -> dict[str, Any]:
        return await self._run(self.sync.add_triples, list(triples), **kwargs)

    async def neighbors(self, entity: str, **kwargs: Any) -> dict[str, Any]:
        return await self._run(self.sync.neighbors, entity, **kwargs)

    async def paths(self, source: str, target: str, **kwargs: Any) -> list[dict[str, Any]]:
        return await self._run(self.sync.paths, source, target, **kwargs)

    async def to_networkx(self, **kwargs: Any) -> Any:
        return await self._run(self.sync.to_networkx, **kwargs)

    async def export(self, **scope: Any) -> list[dict[str, Any]]:
        return await self._run(self.sync.export, **scope)

    async def import_(self, records: Iterable[dict[str, Any]], **kwargs: Any) -> dict[str, Any]:
        return await self._run(self.sync.import_, list(records), **kwargs)

    async def cypher(self, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return await self._run(self.sync.cypher, query, params)

    def for_tenant(self, tenant: str) -> AsyncMemory:
        """``Memory.for_tenant`` for coroutines: a view on the same memory and thread pool, fenced to ``tenant``.
        Closing the view closes nothing (the pool and the store belong to the memory it came from)."""
        view = copy.copy(self)
        view.sync = self.sync.for_tenant(tenant)
        view._owner = False
        return view

    async def close(self) -> None:
        if not self._owner:
            return
        self._pool.shutdown(wait=True)
        self.sync.close()

    async def __aenter__(self) -> AsyncMemory:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()
