"""The optional last step of ``search``: reorder the best fused candidates, then cut to the limit (DESIGN §4).

A reranker sees the best ``limit * pool_factor`` fused results (already scoped, filtered and thresholded) and
returns every one of them once, best first, with its ``rerank_score``:
- ``mmr``: maximal marginal relevance over memory embeddings; the score is the MMR objective when picked.
- ``graph_distance``: fused score blended with graph proximity to the query's entities.
- ``llm``: one chat call orders the candidates; the score is 1 for the first and falls by 1/n per place.
- ``cross_encoder``: a local cross-encoder's relevance in (0, 1).
A reranker that cannot run (a model call that fails) keeps the fused order and says why; search never fails
because of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from graphmem.config import SearchConfig
from graphmem.providers.llm import ChatModel, LlmError, Usage
from graphmem.providers.rerank import CrossEncoder, llm_order
from graphmem.recall.graph import Linked, link
from graphmem.recall.query import SearchQuery
from graphmem.recall.walk import walk
from graphmem.results import MemoryHit, RerankInfo
from graphmem.stores.base import Store, Vector


@dataclass(frozen=True)
class RerankInput:
    """What a reranker may read: the query, the store (scoped reads only), the fused candidates, and the graph
    lane's linked entities when that lane ran (so a reranker that walks does not link them again)."""

    store: Store
    query: SearchQuery
    search: SearchConfig
    candidates: list[MemoryHit]  # search results, fused order (``score`` 0..1)
    linked: Linked | None = None  # the graph lane's seeds, when that lane ran


@dataclass
class Ranking:
    scores: list[tuple[str, float]]  # every candidate id once, best first
    error: str | None = None  # why the fused order was kept instead
    usage: Usage | None = None  # model calls made, for the rerankers that make them


class Reranker(Protocol):
    name: str
    pool_factor: int  # candidates seen: limit * pool_factor

    def rank(self, given: RerankInput) -> Ranking: ...


def rerank(reranker: Reranker, given: RerankInput, limit: int) -> tuple[list[MemoryHit], RerankInfo]:
    """The reranked results (cut to ``limit``, each with ``rerank_score``) and what the step did."""
    ranking = reranker.rank(given) if given.candidates else Ranking([])
    if ranking.error is not None:
        results = [c.reranked(None) for c in given.candidates[:limit]]
    else:
        by_id = {c.id: c for c in given.candidates}
        results = [by_id[i].reranked(s) for i, s in ranking.scores[:limit]]
    return results, RerankInfo.of(reranker.name, len(given.candidates), ranking.error, ranking.usage)


def _relevance(candidates: Sequence[MemoryHit]) -> Vector:
    """Fused scores scaled so the best candidate is 1 (fused scores are only comparable within one search)."""
    scores = np.array([c.score for c in candidates], dtype=np.float32)
    top = float(scores.max()) if len(scores) else 0.0
    return scores / top if top > 0 else np.ones_like(scores)


def _by_score(ids: Sequence[str], scores: Sequence[float]) -> list[tuple[str, float]]:
    """Best score first; ties keep the fused order."""
    order = sorted(range(len(ids)), key=lambda i: (-scores[i], i))
    return [(ids[i], float(scores[i])) for i in order]


# -- mmr ---------------------------------------------------------------------------------------------------------------
def mmr_order(relevance: Vector, vectors: Vector, lambda_mult: float) -> list[tuple[int, float]]:
    """Greedy maximal marginal relevance: repeatedly pick the candidate maximizing
    ``lambda_mult * relevance - (1 - lambda_mult) * (max cosine to those already picked)``.

    ``vectors`` are unit rows (a zero row is similar to nothing). Returns (index, objective when picked); ties go
    to the lower index, so ``lambda_mult=1`` is the input order whenever relevance is non-increasing.
    """
    n = len(relevance)
    similarity = vectors @ vectors.T
    redundancy = np.zeros(n, dtype=np.float32)  # max cosine to the picked ones (0 while none is picked)
    left = np.ones(n, dtype=bool)
    picked: list[tuple[int, float]] = []
    for _ in range(n):
        objective = np.where(left, lambda_mult * relevance - (1.0 - lambda_mult) * redundancy, -np.inf)
        best = int(np.argmax(objective))  # the first maximum: the lower index wins ties
        picked.append((best, float(objective[best])))
        left[best] = False
        redundancy = similarity[best] if len(picked) == 1 else np.maximum(redundancy, similarity[best])
    return picked


class Mmr:
    """Spreads near-duplicates apart: relevance is the fused score, redundancy the memories' embedding cosine."""

    def __init__(self, lambda_mult: float, pool_factor: int) -> None:
        self.name = "mmr"
        self.lambda_mult = lambda_mult
        self.pool_factor = pool_factor

    def rank(self, given: RerankInput) -> Ranking:
        ids = [c.id for c in given.candidates]
        embedded = {m.id: m.embedding for m in given.store.get_memories(ids, with_embeddings=True)}
        vectors = np.zeros((len(ids), len(given.query.vector)), dtype=np.float32)
        for row, memory_id in enumerate(ids):
            embedding = embedded.get(memory_id)
            if embedding is not None and len(embedding):
                v = np.asarray(embedding, dtype=np.float32)
                vectors[row] = v / max(float(np.linalg.norm(v)), 1e-12)
        picked = mmr_order(_relevance(given.candidates), vectors, self.lambda_mult)
        return Ranking([(ids[i], score) for i, score in picked])


# -- graph distance ----------------------------------------------------------------------------------------------------
class GraphDistance:
    """Memories about entities near the query's entities move up: proximity is the linked entity's strength over
    ``1 + hops`` (1 for a memory mentioning a linked entity itself, 0 beyond ``max_hops``), blended with the fused
    score by ``weight``. Store calls: one per hop and one for the candidates' mentions, plus linking (three or
    four) when the search's graph lane did not run."""

    def __init__(self, weight: float, max_hops: int, fanout: int, pool_factor: int) -> None:
        self.name = "graph_distance"
        self.weight = weight
        self.max_hops = max_hops
        self.fanout = fanout
        self.pool_factor = pool_factor

    def proximity(self, given: RerankInput) -> dict[str, float]:
        """Entity id -> best strength / (1 + hops) over the entities the query links to."""
        q = given.query
        seeds = given.linked.seeds if given.linked is not None else link(given.store, q, given.search).seeds
        best = dict(seeds)
        frontier = dict(seeds)  # entity -> strength of the seed it was reached from
        for step in walk(given.store, q.scope, frontier, self.max_hops, self.fanout, q.as_of):
            hop = step.depth
            following: dict[str, float] = {}
            for edge in step.edges:
                for here, there in ((edge.source_id, edge.target_id), (edge.target_id, edge.source_id)):
                    strength = frontier.get(here)
                    if strength is not None and strength / (1 + hop) > best.get(there, 0.0):
                        best[there] = strength / (1 + hop)
                        following[there] = max(following.get(there, 0.0), strength)
            frontier = following
            step.follow(following)
        return best

    def rank(self, given: RerankInput) -> Ranking:
        ids = [c.id for c in given.candidates]
        near = self.proximity(given)
        mentions = given.store.mentions(ids) if near else {}
        relevance = _relevance(given.candidates)
        scores = [
            (1 - self.weight) * float(relevance[i])
            + self.weight * max((near.get(e, 0.0) for e in mentions.get(memory_id, [])), default=0.0)
            for i, memory_id in enumerate(ids)
        ]
        return Ranking(_by_score(ids, scores))


# -- model-backed ------------------------------------------------------------------------------------------------------
class LlmReranker:
    """ONE chat call orders the candidates. A failed call (or an answer naming no candidate) keeps the fused order."""

    def __init__(self, chat: ChatModel, max_chars: int, pool_factor: int) -> None:
        self.name = f"llm:{chat.name}"
        self.chat = chat
        self.max_chars = max_chars
        self.pool_factor = pool_factor

    def rank(self, given: RerankInput) -> Ranking:
        ids = [c.id for c in given.candidates]
        if len(ids) < 2:  # nothing to order: no call
            return Ranking([(i, 1.0) for i in ids])
        try:
            order, usage = llm_order(self.chat, given.query.text, [c.memory for c in given.candidates], self.max_chars)
        except LlmError as exc:
            return Ranking([], error=f"llm reranker failed, fused order kept: {exc}", usage=exc.usage)
        if not order:
            return Ranking([], error="the llm reranker named no candidate, fused order kept", usage=usage)
        placed = set(order)
        full = order + [i for i in range(len(ids)) if i not in placed]  # left out: after, in fused order
        return Ranking([(ids[i], 1.0 - place / len(ids)) for place, i in enumerate(full)], usage=usage)


class CrossEncoderReranker:
    """A local cross-encoder reads the query with each memory; its relevance decides the order."""

    def __init__(self, encoder: CrossEncoder, pool_factor: int) -> None:
        self.name = encoder.name
        self.encoder = encoder
        self.pool_factor = pool_factor

    def rank(self, given: RerankInput) -> Ranking:
        ids = [c.id for c in given.candidates]
        scores = self.encoder.score(given.query.text, [c.memory for c in given.candidates])
        return Ranking(_by_score(ids, scores.tolist()))
