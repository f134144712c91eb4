"""The read path of ``search`` (DESIGN §4): lanes within scope, weighted RRF, filters, threshold, rerank."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from graphmem.config import SearchConfig
from graphmem.filters import Filter
from graphmem.models import MemoryRecord, RelationRecord, Scope
from graphmem.providers.embed import Embedder
from graphmem.providers.phrases import PhraseVectors
from graphmem.recall.fuse import normalized, rrf
from graphmem.recall.graph import Linked, Reached, Relevance, expand, link, memory_scores, relation_order
from graphmem.recall.rerank import Reranker, RerankInput, rerank
from graphmem.recall.terms import asked_words, query_terms
from graphmem.stores.base import Store


@dataclass
class SearchRequest:
    query: str
    scope: Scope
    limit: int
    filters: Filter | None = None
    threshold: float | None = None
    as_of: datetime | None = None


def search(
    store: Store,
    embedder: Embedder,
    cfg: SearchConfig,
    req: SearchRequest,
    reranker: Reranker | None = None,
    phrases: PhraseVectors | None = None,
) -> dict[str, Any]:
    """Fused results in scope; with a ``reranker``, the best ``limit * reranker.pool_factor`` reordered by it.

    Every ranking orders equal scores by a stable key (the memory's text, then its creation time), never by the
    random ids alone: two stores given the same adds answer with the same scores in the same order.
    """
    phrases = phrases or PhraseVectors(embedder)
    terms = query_terms(req.query)
    asks = asked_words(req.query)
    vector = phrases.with_query(req.query, [*terms, *asks])  # the walk matches ``asks`` against relation types
    pool = max(cfg.min_pool, req.limit * cfg.pool_factor)
    allowed = _allowed(store, req) if req.filters is not None else None
    weights = cfg.weights.model_dump()

    hits: dict[str, list[tuple[str, float]]] = {}  # lane -> (memory id, the lane's own score)
    # A lane whose weight is 0 is not run (no store call): it could add nothing to the fused scores.
    if weights["vector"] > 0 and allowed is not None:
        exact = store.similarity("memory", list(allowed), vector)
        hits["vector"] = sorted(exact.items(), key=lambda kv: (-kv[1], kv[0]))[:pool]
    elif weights["vector"] > 0:
        hits["vector"] = store.vector_search("memory", req.scope, vector, pool, req.as_of)
    wide = pool if allowed is None else pool * 4  # room for the lanes' hits that the filters drop
    if weights["bm25"] > 0:
        hits["bm25"] = store.text_search("memory", req.scope, terms, wide, req.as_of)
    reached: list[Reached] = []  # also the relations the answer reports; none when the walk does not run
    if weights["graph"] > 0:
        linked = link(store, req.scope, req.query, vector, cfg) if cfg.max_hops >= 0 else Linked()
        seeds = linked.seeds
        if seeds:
            asked = [w for w in asks if w not in linked.covered]  # the names say who, not what
            relevance = Relevance(store, vector, asked, phrases)
            reached = expand(store, req.scope, seeds, relevance, cfg, req.as_of)
        hits["graph"] = list(memory_scores(store, req.scope, seeds, reached, wide).items())
    if allowed is not None:
        hits = {lane: [h for h in found if h[0] in allowed] for lane, found in hits.items()}

    records = {m.id: m for m in store.get_memories(list({i for found in hits.values() for i, _ in found}))}
    order = _memory_order(records)
    lanes = {lane: _ranked(found, order, wide) for lane, found in hits.items()}
    fused = rrf(lanes, weights, cfg.rrf_k, order)
    similarity = store.similarity("memory", list(records), vector)
    results: list[dict[str, Any]] = []
    keep = req.limit if reranker is None else req.limit * reranker.pool_factor
    for item in fused:
        record = records.get(item.id)
        if record is None or not _believed(record, req.as_of):
            continue
        sim = similarity.get(item.id, 0.0)
        if req.threshold is not None and sim < req.threshold:
            continue
        result = record.to_api()
        result["score"] = round(normalized(item.score, weights, cfg.rrf_k), 6)
        result["similarity"] = round(sim, 6)
        result["lanes"] = sorted(item.ranks, key=lambda lane: item.ranks[lane])
        results.append(result)
        if len(results) == keep:
            break
    relations = _relations(store, req, vector, reached, cfg, allowed)
    out: dict[str, Any] = {"results": results, "relations": relations}
    if reranker is not None:
        given = RerankInput(store, req.scope, req.query, vector, cfg, req.as_of, results)
        out["results"], out["rerank"] = rerank(reranker, given, req.limit)
    return out


def _memory_order(records: dict[str, MemoryRecord]) -> Callable[[str], tuple[Any, ...]]:
    """A stable key for memories of equal score: text, then creation time (the id only for two equal texts)."""

    def order(memory_id: str) -> tuple[Any, ...]:
        r = records.get(memory_id)
        return (r.text, r.created_at.isoformat(), memory_id) if r else ("", "", memory_id)

    return order


def _ranked(hits: Iterable[tuple[str, float]], order: Callable[[str], tuple[Any, ...]], limit: int) -> list[str]:
    """A lane's ids, best score first, equal scores in ``order``."""
    return [i for i, _ in sorted(hits, key=lambda h: (-h[1], order(h[0])))][:limit]


def _allowed(store: Store, req: SearchRequest) -> set[str]:
    """Ids in scope that pass the filters: filters are exact, applied before ranking, never after a cut-off. The
    store selects them (the filter is compiled into its query), so only passing memories leave the database."""
    include_expired = req.as_of is not None
    return {
        m.id
        for m in store.list_memories(req.scope, include_expired=include_expired, filters=req.filters)
        if _believed(m, req.as_of)
    }


def _believed(m: MemoryRecord, as_of: datetime | None) -> bool:
    if as_of is None:
        return m.expired_at is None
    return (
        m.created_at <= as_of
        and (m.expired_at is None or m.expired_at > as_of)
        and (m.valid_at is None or m.valid_at <= as_of)
        and (m.invalid_at is None or m.invalid_at > as_of)
    )


def _relations(
    store: Store,
    req: SearchRequest,
    vector: np.ndarray[Any, Any],
    reached: list[Reached],
    cfg: SearchConfig,
    allowed: set[str] | None,
) -> list[dict[str, Any]]:
    """Relations for the answer: those the walk reached, plus facts that read like the query, best first; under
    filters or a threshold only those a memory that passes them supports (see ``_supported``)."""
    scored: dict[str, tuple[float, int | None]] = {r.relation.id: (r.score, r.hops) for r in reached}
    by_id = {r.relation.id: r.relation for r in reached}
    for relation_id, sim in store.vector_search("relation", req.scope, vector, cfg.relation_limit, req.as_of):
        half = 0.5 * sim  # a fact that merely reads like the query ranks below one the walk reached
        if relation_id not in scored and sim >= cfg.entity_link_similarity:
            scored[relation_id] = (half, None)
    missing = [i for i in scored if i not in by_id]
    by_id.update({r.id: r for r in store.get_relations(missing)})
    found = [(by_id[i], score, hops) for i, (score, hops) in scored.items() if i in by_id]
    if req.filters is not None or req.threshold is not None:
        supported = _supported(store, req, vector, allowed, [r for r, _, _ in found])
        found = [f for f in found if f[0].id in supported]
    found.sort(key=lambda f: (-f[1], relation_order(f[0])))
    out = []
    for r, score, hops in found[: cfg.relation_limit]:
        out.append(
            {
                "source": r.source,
                "relationship": r.type,
                "destination": r.target,
                "fact": r.fact,
                "score": round(score, 6),
                "hops": hops,
                "valid_at": r.valid_at.isoformat() if r.valid_at else None,
                "invalid_at": r.invalid_at.isoformat() if r.invalid_at else None,
                "provenance": r.provenance.model_dump(),
            }
        )
    return out


def _supported(
    store: Store,
    req: SearchRequest,
    vector: np.ndarray[Any, Any],
    allowed: set[str] | None,
    relations: list[RelationRecord],
) -> set[str]:
    """Ids of the relations that some memory passing the filters and the threshold asserts (provenance), believed
    at ``as_of``: filters and threshold select the evidence, so a relation is shown only beside evidence that
    passes. A relation no memory asserts (bulk-loaded triples) has no evidence for filters to pass; for a threshold
    alone its own fact is its evidence and must read as close to the query."""
    cited = {m for r in relations for m in r.provenance.memory_ids}
    passing = {m.id for m in store.get_memories(list(cited)) if _believed(m, req.as_of)}
    if allowed is not None:
        passing &= allowed
    if req.threshold is not None:
        similar = store.similarity("memory", list(passing), vector)
        passing = {m for m in passing if similar.get(m, -1.0) >= req.threshold}
    out = {r.id for r in relations if passing.intersection(r.provenance.memory_ids)}
    bare = [r.id for r in relations if not r.provenance.memory_ids]
    if req.filters is None and req.threshold is not None and bare:
        facts = store.similarity("relation", bare, vector)
        out.update(i for i in bare if facts.get(i, -1.0) >= req.threshold)
    return out
