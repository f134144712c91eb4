"""The read path of ``search`` (DESIGN §4): lanes within scope, weighted RRF, filters, threshold, rerank.

Round trips. The query is read once (``recall.query``: one tokenization, one embedding call), and one search makes
a fixed number of store calls, whatever it finds (some at once, see Concurrency below):
- 2 for the candidates: their records, then their cosines with the query (the ``similarity`` of each result, the
  threshold), computed by the store where the vectors live;
- 2 for the relations beside the results: the facts that read like the query, then the records of those the answer
  can report (skipped when there are none; the walk reads light rows, see ``_relation_candidates``);
- per lane that runs (weight above 0): vector 1, BM25 1, graph 4 + 2 per hop (linking: a name search, the
  entities it found, a name-vector search; the walk: the edges and their facts' cosines per hop, at most
  ``max_hops``; the memories that mention the linked entities), plus 1 when the query speaks in the first person
  (the user's own entity);
- filters: 1 more (the memories that pass, selected by the store); the vector lane then ranks exactly those;
- a reranker: ``llm`` and ``cross_encoder`` none; ``mmr`` 1 (the pool's embeddings); ``graph_distance`` 1 + 1 per
  hop (it reuses the graph lane's linked entities, or links them itself, 3 more, when that lane did not run).
So the default recipe makes at most 10 + 2 x max_hops calls (14 at the default 2 hops), ``keyword`` and
``semantic`` 5 (tests/contract/test_search_round_trips.py counts them).

Concurrency. The vector lane (after the filter), the BM25 lane and the fact search read the store only and need
nothing from each other or from the graph lane: on a store whose reads wait on a server (``base.io_bound``: Neo4j)
they run on a small shared thread pool while the graph lane runs in the caller's thread (it also embeds relation
types, so the embedder stays on one thread per search), and a search costs about its slowest lane instead of the
sum. Each step returns its result to the caller, which assembles them in one fixed order, so the answer is the one
the sequential run gives. In-process stores run the same steps one after another in the caller's thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar, copy_context
from dataclasses import dataclass, field
from datetime import datetime
from threading import Lock
from typing import Any, TypeVar

from graphmem.config import LimitsConfig, SearchConfig
from graphmem.filters import Filter
from graphmem.models import MemoryRecord, RelationRecord, Scope, believed
from graphmem.providers.embed import Embedder
from graphmem.providers.phrases import PhraseVectors
from graphmem.recall.fuse import normalized, rrf
from graphmem.recall.graph import Linked, Reached, Relevance, expand, link, memory_scores, relation_order
from graphmem.recall.query import SearchQuery, make_query
from graphmem.recall.rerank import Reranker, RerankInput, rerank
from graphmem.results import MemoryHit, RelationView, RerankInfo, SearchResult
from graphmem.stores.base import Hit, Store, Vector, io_bound

T = TypeVar("T")


@dataclass
class PhaseClock:
    """Seconds per phase of the searches run under :func:`timing_phases` (benchmarks/speed.py reports them), so a
    regression shows in the phase that caused it. ``lap`` charges the time since the previous lap to ``phase``."""

    seconds: dict[str, float] = field(default_factory=dict)
    _last: float = 0.0

    def start(self) -> None:
        self.seconds = {}
        self._last = time.perf_counter()

    def lap(self, phase: str) -> None:
        now = time.perf_counter()
        self.seconds[phase] = self.seconds.get(phase, 0.0) + now - self._last
        self._last = now

    def charge(self, phase: str, seconds: float) -> None:
        """Charge a step's own duration to ``phase`` (a lane that ran on another thread timed itself), and restart
        the lap there: the caller's wait for it is inside that duration. Lanes that ran concurrently overlap, so
        a search's phases then add up to more than its wall time."""
        self.seconds[phase] = self.seconds.get(phase, 0.0) + seconds
        self._last = time.perf_counter()

    def resume(self) -> None:
        """Restart the lap here without charging the time since the last one (steps ``charge`` it later)."""
        self._last = time.perf_counter()


class _Untimed(PhaseClock):
    """The clock of a search nobody times: every call is a no-op."""

    def start(self) -> None:
        pass

    def lap(self, phase: str) -> None:
        pass

    def charge(self, phase: str, seconds: float) -> None:
        pass

    def resume(self) -> None:
        pass


_UNTIMED = _Untimed()


# Off (None) unless a caller times phases: one context-variable read and a few no-op calls per search, and no change
# to what it returns.
# A context variable rather than an argument, so that ``Memory.search`` needs no timing parameter.
_CLOCK: ContextVar[PhaseClock | None] = ContextVar("graphmem_search_phase_clock", default=None)


# Threads for the lanes of searches on I/O-bound stores, shared by every search in the process (created on first
# use): a lane waits on the network, so 32 threads hold about ten concurrent searches' lanes; more searches queue
# for them, which only delays them (a lane never waits on another lane).
_POOL_THREADS = 32
_pool: ThreadPoolExecutor | None = None
_pool_lock = Lock()


def _lane_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(_POOL_THREADS, thread_name_prefix="graphmem-lane")
        return _pool


def _timed(work: Callable[[], T]) -> tuple[T, float]:
    start = time.perf_counter()
    out = work()
    return out, time.perf_counter() - start


def _begin(concurrent: bool, work: Callable[[], T]) -> Callable[[], tuple[T, float]]:
    """Start one store-only step of a search: on the lane pool when ``concurrent`` (in a copy of the caller's
    context variables), else now, in this thread. The returned callable waits for (result, its own seconds) and
    re-raises what the step raised."""
    if not concurrent:
        done = _timed(work)
        return lambda: done
    return _lane_pool().submit(copy_context().run, _timed, work).result


@contextmanager
def timing_phases(clock: PhaseClock) -> Iterator[PhaseClock]:
    """Within the block (this thread or task only), each ``search`` restarts ``clock`` and laps the phases it runs
    into it: query (tokens and embedding), filter, vector, bm25, link, walk, mentions, relations, evidence, fusion,
    rerank. A lane or step that does not run has no entry (its few microseconds go to the next phase). A step that
    ran on the lane pool (``base.io_bound`` stores) reports its own duration: phases that overlapped then add up to
    more than the search took."""
    token = _CLOCK.set(clock)
    try:
        yield clock
    finally:
        _CLOCK.reset(token)


@dataclass
class SearchRequest:
    query: str
    scope: Scope
    limit: int
    filters: Filter | None = None
    threshold: float | None = None
    as_of: datetime | None = None
    max_query_chars: int = LimitsConfig().max_query_chars


def search(
    store: Store,
    embedder: Embedder,
    cfg: SearchConfig,
    req: SearchRequest,
    reranker: Reranker | None = None,
    phrases: PhraseVectors | None = None,
) -> SearchResult:
    """Fused results in scope; with a ``reranker``, the best ``limit * reranker.pool_factor`` reordered by it.

    Every ranking orders equal scores by a stable key (the memory's text, then its creation time), never by the
    random ids alone: two stores given the same adds answer with the same scores in the same order.
    """
    timed = _CLOCK.get()
    clock = _UNTIMED if timed is None else timed
    lap = clock.lap
    clock.start()
    phrases = phrases or PhraseVectors(embedder)
    q = make_query(req.query, req.scope, req.as_of, phrases, req.max_query_chars)
    lap("query")
    pool = max(cfg.min_pool, req.limit * cfg.pool_factor)
    weights = cfg.weights.model_dump()
    wide = pool if req.filters is None else pool * 4  # room for the lanes' hits that the filters drop

    # The store-only steps start first (in this order; on threads where the store waits on I/O), the graph lane runs
    # here meanwhile, and the results are collected in one fixed order: the answer never depends on which finished
    # first. A lane whose weight is 0 is not run (no store call): it could add nothing to the fused scores.
    concurrent = io_bound(store)
    vector = _begin(concurrent, lambda: _vector_lane(store, req, q, pool, weights["vector"] > 0))
    bm25 = None
    if weights["bm25"] > 0:
        bm25 = _begin(concurrent, lambda: store.text_search("memory", q.scope, list(q.terms), wide, q.as_of))
    fact_search = _begin(
        concurrent, lambda: store.vector_search("relation", q.scope, q.vector, cfg.relation_limit, q.as_of)
    )
    clock.resume()  # each step above charges its own time below
    reached: list[Reached] = []  # also the relations the answer reports; none when the walk does not run
    linked: Linked | None = None  # the graph lane's seeds, handed on to a reranker that walks too
    graph_hits: list[Hit] | None = None
    if weights["graph"] > 0:
        linked = link(store, q, cfg)
        lap("link")
        if linked.seeds:
            asked = [w for w in q.asks if w not in linked.covered]  # the names say who, not what
            reached = expand(store, q, linked.seeds, Relevance(store, q, asked, phrases), cfg)
        lap("walk")
        graph_hits = list(memory_scores(store, q, linked.seeds, reached, wide).items())
        lap("mentions")

    hits: dict[str, list[Hit]] = {}  # lane -> (memory id, the lane's own score)
    (allowed, filter_seconds, vector_hits), seconds = vector()
    if allowed is not None:
        clock.charge("filter", filter_seconds)
    if vector_hits is not None:
        hits["vector"] = vector_hits
        clock.charge("vector", seconds - filter_seconds)
    if bm25 is not None:
        hits["bm25"], seconds = bm25()
        clock.charge("bm25", seconds)
    if graph_hits is not None:
        hits["graph"] = graph_hits
    if allowed is not None:
        hits = {lane: [h for h in found if h[0] in allowed] for lane, found in hits.items()}

    every = req.filters is not None or req.threshold is not None  # they choose relations by evidence: read all
    fact_hits, seconds = fact_search()
    clock.charge("relations", seconds)
    chosen = _RelationChoice.of(reached, fact_hits, cfg, every)
    relation_read = _begin(concurrent, lambda: store.get_relations(chosen.wanted) if chosen.wanted else [])
    clock.resume()

    def relation_candidates() -> list[Found]:
        read, seconds = relation_read()
        clock.charge("relations", seconds)
        return chosen.found(read)

    # Under filters or a threshold the evidence includes what the relations cite: their records come first. Else
    # the relations' records are read beside the candidates' (at once on an I/O-bound store).
    cited = relation_candidates() if every else []
    evidence = _read_evidence(store, concurrent, req, q.vector, hits, cited, allowed)
    lap("evidence")
    candidates = cited if every else relation_candidates()
    facts = chosen.facts
    records, similarity = evidence.records, evidence.similarity
    order = _memory_order(records)
    lanes = {lane: _ranked(found, order, wide) for lane, found in hits.items()}
    fused = rrf(lanes, weights, cfg.rrf_k, order)
    results: list[MemoryHit] = []
    keep = req.limit if reranker is None else req.limit * reranker.pool_factor
    for item in fused:
        record = records.get(item.id)
        if record is None or not believed(record, req.as_of):
            continue
        sim = similarity.get(item.id, 0.0)
        if req.threshold is not None and sim < req.threshold:
            continue
        found_by = sorted(item.ranks, key=lambda lane: item.ranks[lane])
        results.append(MemoryHit.of(record, normalized(item.score, weights, cfg.rrf_k), sim, found_by))
        if len(results) == keep:
            break
    lap("fusion")
    relations = _relations(req, cfg, candidates, facts, evidence)
    lap("relations")
    info: RerankInfo | None = None
    if reranker is not None:
        given = RerankInput(store, q, cfg, results, linked=linked)
        results, info = rerank(reranker, given, req.limit)
        lap("rerank")
    return SearchResult.of(results, relations, info)


def _memory_order(records: dict[str, MemoryRecord]) -> Callable[[str], tuple[Any, ...]]:
    """A stable key for memories of equal score: text, then creation time (the id only for two equal texts)."""

    def order(memory_id: str) -> tuple[Any, ...]:
        r = records.get(memory_id)
        return (r.text, r.created_at.isoformat(), memory_id) if r else ("", "", memory_id)

    return order


def _ranked(hits: Iterable[tuple[str, float]], order: Callable[[str], tuple[Any, ...]], limit: int) -> list[str]:
    """A lane's ids, best score first, equal scores in ``order``."""
    return [i for i, _ in sorted(hits, key=lambda h: (-h[1], order(h[0])))][:limit]


def _vector_lane(
    store: Store, req: SearchRequest, q: SearchQuery, pool: int, run: bool
) -> tuple[set[str] | None, float, list[Hit] | None]:
    """The filter (when there is one) and the vector lane (when ``run``), one after the other since the lane ranks
    exactly the memories that pass: (the ids that pass, the filter's seconds, the lane's hits)."""
    allowed, seconds = _timed(lambda: _allowed(store, req)) if req.filters is not None else (None, 0.0)
    if not run:
        return allowed, seconds, None
    if allowed is not None:
        exact = store.similarity("memory", list(allowed), q.vector)
        return allowed, seconds, sorted(exact.items(), key=lambda kv: (-kv[1], kv[0]))[:pool]
    return allowed, seconds, store.vector_search("memory", q.scope, q.vector, pool, q.as_of)


def _allowed(store: Store, req: SearchRequest) -> set[str]:
    """Ids in scope that pass the filters: filters are exact, applied before ranking, never after a cut-off. The
    store selects them (the filter is compiled into its query), so only passing memories leave the database."""
    include_expired = req.as_of is not None
    return {
        m.id
        for m in store.list_memories(req.scope, include_expired=include_expired, filters=req.filters)
        if believed(m, req.as_of)
    }


Found = tuple[RelationRecord, float, int | None]  # a relation for the answer, its score, its hops (None: by fact)


@dataclass
class _RelationChoice:
    """Relations the answer may report: those the walk reached, plus facts that read like the query (``fact_hits``:
    the relation vector search, which ``search`` ran beside the lanes); their scores and hops (``scored``), each
    one's fact cosine with the query, known from the walk or the fact search, which a threshold tests a bulk-loaded
    triple by (``facts``), and the ids whose records to read (``wanted``, one store call). The walk's relations are
    light rows (through hubs it meets thousands): records are read only for the walk's best ``relation_limit`` (in
    the answer's order, so no other can make the cut), or for all of them when ``every`` (filters or a threshold
    choose by evidence)."""

    scored: dict[str, tuple[float, int | None]]
    facts: dict[str, float]
    wanted: list[str]

    @classmethod
    def of(cls, reached: list[Reached], fact_hits: list[Hit], cfg: SearchConfig, every: bool) -> _RelationChoice:
        scored: dict[str, tuple[float, int | None]] = {r.relation.id: (r.score, r.hops) for r in reached}
        facts = {r.relation.id: r.fact for r in reached if r.fact is not None}
        if every:
            wanted = [r.relation.id for r in reached]
        else:  # the walk's order (score, hops, relation) and the answer's (score, relation) differ only at equal scores
            cut = cfg.relation_limit
            tied = reached[cut - 1].score if 0 < cut <= len(reached) else None
            while tied is not None and cut < len(reached) and reached[cut].score == tied:
                cut += 1
            best = sorted(reached[:cut], key=lambda r: (-r.score, relation_order(r.relation)))
            wanted = [r.relation.id for r in best[: cfg.relation_limit]]
        for relation_id, sim in fact_hits:
            half = 0.5 * sim  # a fact that merely reads like the query ranks below one the walk reached
            if relation_id not in scored and sim >= cfg.entity_link_similarity:
                scored[relation_id] = (half, None)
                facts[relation_id] = sim
                wanted.append(relation_id)
        return cls(scored, facts, wanted)

    def found(self, records: list[RelationRecord]) -> list[Found]:
        """The candidates whose records were read, with their scores and hops."""
        by_id = {r.id: r for r in records}
        return [(by_id[i], score, hops) for i, (score, hops) in self.scored.items() if i in by_id]


@dataclass
class _Evidence:
    """The memories one search read (its candidates, and under filters or a threshold the memories its relations
    cite), their cosines with the query, and under filters the ids that pass."""

    records: dict[str, MemoryRecord]
    similarity: dict[str, float]
    allowed: set[str] | None


def _read_evidence(
    store: Store,
    concurrent: bool,
    req: SearchRequest,
    vector: Vector,
    hits: dict[str, list[tuple[str, float]]],
    candidates: list[Found],
    allowed: set[str] | None,
) -> _Evidence:
    """Two store calls, at once when ``concurrent``: the records, and their cosines with the query. The store
    computes the cosines where the vectors live: reading the embeddings instead would ship a few hundred floats per
    candidate, which is most of a search's time on a networked engine (a Bolt client decodes each float; measured
    in issue 10). The cosines are asked for every id: those of ids without a record are never read."""
    wanted = [i for found in hits.values() for i, _ in found]
    if req.filters is not None or req.threshold is not None:  # the relations' evidence (``_supported``)
        cited = (m for r, _, _ in candidates for m in r.provenance.memory_ids)
        wanted += [m for m in cited if allowed is None or m in allowed]
    ids = list(dict.fromkeys(wanted))
    if not ids:
        return _Evidence({}, {}, allowed)
    cosines = _begin(concurrent, lambda: store.similarity("memory", ids, vector))
    records = {m.id: m for m in store.get_memories(ids)}
    return _Evidence(records, cosines()[0], allowed)


def _relations(
    req: SearchRequest, cfg: SearchConfig, found: list[Found], facts: dict[str, float], evidence: _Evidence
) -> list[RelationView]:
    """Relations for the answer, best first; under filters or a threshold only those a memory that passes them
    supports (see ``_supported``)."""
    if req.filters is not None or req.threshold is not None:
        supported = _supported(req, evidence, facts, [r for r, _, _ in found])
        found = [f for f in found if f[0].id in supported]
    found.sort(key=lambda f: (-f[1], relation_order(f[0])))
    return [RelationView.found(r, score, hops) for r, score, hops in found[: cfg.relation_limit]]


def _supported(
    req: SearchRequest, evidence: _Evidence, facts: dict[str, float], relations: list[RelationRecord]
) -> set[str]:
    """Ids of the relations that some memory passing the filters and the threshold asserts (provenance), believed
    at ``as_of``: filters and threshold select the evidence, so a relation is shown only beside evidence that
    passes. A relation no memory asserts (bulk-loaded triples) has no evidence for filters to pass; for a threshold
    alone its own fact is its evidence and must read as close to the query."""
    cited = {m for r in relations for m in r.provenance.memory_ids}
    records = evidence.records
    passing = {m for m in cited if m in records and believed(records[m], req.as_of)}
    if evidence.allowed is not None:
        passing &= evidence.allowed
    if req.threshold is not None:
        passing = {m for m in passing if evidence.similarity.get(m, -1.0) >= req.threshold}
    out = {r.id for r in relations if passing.intersection(r.provenance.memory_ids)}
    bare = [r.id for r in relations if not r.provenance.memory_ids]
    if req.filters is None and req.threshold is not None and bare:
        out.update(i for i in bare if facts.get(i, -1.0) >= req.threshold)
    return out
