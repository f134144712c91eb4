"""The read path of ``search`` (DESIGN §4): lanes within scope, weighted RRF, filters, threshold, rerank."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from graphmem.config import SearchConfig
from graphmem.models import MemoryRecord, Scope
from graphmem.providers.embed import Embedder
from graphmem.providers.phrases import PhraseVectors
from graphmem.recall.filters import Filter, matches
from graphmem.recall.fuse import normalized, rrf
from graphmem.recall.graph import Linked, Reached, Relevance, expand, link, memory_ranking
from graphmem.recall.rerank import Reranker, RerankInput, rerank
from graphmem.recall.terms import query_terms
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
    """Fused results in scope; with a ``reranker``, the best ``limit * reranker.pool_factor`` reordered by it."""
    phrases = phrases or PhraseVectors(embedder)
    terms = query_terms(req.query)
    vector = phrases.with_query(req.query, terms)  # the walk matches these words against relation types
    pool = max(cfg.min_pool, req.limit * cfg.pool_factor)
    allowed = _allowed(store, req) if req.filters is not None else None
    weights = cfg.weights.model_dump()

    lanes: dict[str, list[str]] = {}
    if allowed is not None:
        exact = store.similarity("memory", list(allowed), vector)
        lanes["vector"] = [i for i, _ in sorted(exact.items(), key=lambda kv: (-kv[1], kv[0]))[:pool]]
    else:
        lanes["vector"] = [i for i, _ in store.vector_search("memory", req.scope, vector, pool, req.as_of)]
    bm25_pool = pool if allowed is None else pool * 4
    lanes["bm25"] = [i for i, _ in store.text_search("memory", req.scope, terms, bm25_pool, req.as_of)]
    linked = link(store, req.scope, req.query, vector, cfg) if cfg.max_hops >= 0 else Linked()
    seeds = linked.seeds
    reached: list[Reached] = []
    if seeds:
        asked = [w for w in terms if w not in linked.covered]  # the names say who, not what
        relevance = Relevance(store, vector, asked, phrases)
        reached = expand(store, req.scope, seeds, relevance, cfg, req.as_of)
    lanes["graph"] = memory_ranking(store, req.scope, seeds, reached, pool if allowed is None else pool * 4)
    if allowed is not None:
        lanes = {lane: [i for i in ids if i in allowed] for lane, ids in lanes.items()}

    fused = rrf(lanes, weights, cfg.rrf_k)
    records = {m.id: m for m in store.get_memories([f.id for f in fused])}
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
    out: dict[str, Any] = {"results": results, "relations": _relations(store, req, vector, reached, cfg)}
    if reranker is not None:
        given = RerankInput(store, req.scope, req.query, vector, cfg, req.as_of, results)
        out["results"], out["rerank"] = rerank(reranker, given, req.limit)
    return out


def _allowed(store: Store, req: SearchRequest) -> set[str]:
    """Ids in scope that pass the filters: filters are exact, applied before ranking, never after a cut-off."""
    include_expired = req.as_of is not None
    return {
        m.id
        for m in store.list_memories(req.scope, include_expired=include_expired)
        if _believed(m, req.as_of) and matches(req.filters, m.to_api())
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
    store: Store, req: SearchRequest, vector: np.ndarray[Any, Any], reached: list[Reached], cfg: SearchConfig
) -> list[dict[str, Any]]:
    """Relations for the answer: those the walk reached, plus facts that read like the query, best first."""
    scored: dict[str, tuple[float, int | None]] = {r.relation.id: (r.score, r.hops) for r in reached}
    by_id = {r.relation.id: r.relation for r in reached}
    for relation_id, sim in store.vector_search("relation", req.scope, vector, cfg.relation_limit, req.as_of):
        half = 0.5 * sim  # a fact that merely reads like the query ranks below one the walk reached
        if relation_id not in scored and sim >= cfg.entity_link_similarity:
            scored[relation_id] = (half, None)
    missing = [i for i in scored if i not in by_id]
    by_id.update({r.id: r for r in store.get_relations(missing)})
    ranked = sorted(scored.items(), key=lambda kv: (-kv[1][0], kv[0]))[: cfg.relation_limit]
    out = []
    for relation_id, (score, hops) in ranked:
        r = by_id.get(relation_id)
        if r is None:
            continue
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
