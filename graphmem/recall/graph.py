"""The graph lane: link the query to entities, then walk their relations outward, scoring what is reached.

A relation's score is the strength of the entity it was reached from, times how close its fact sentence is to the
query (so the walk prefers edges that are about the question), times ``hop_decay`` for every hop beyond the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt

from graphmem.config import SearchConfig
from graphmem.models import RelationRecord, Scope, normalize_name
from graphmem.recall.terms import mentions_self, query_terms, words
from graphmem.stores.base import Store

_PARTIAL_LINK = 0.6  # strength of an entity only some of whose name words are in the query


def link_entities(
    store: Store, scope: Scope, query: str, vector: npt.NDArray[np.float32], cfg: SearchConfig
) -> dict[str, float]:
    """Seeds for the walk: entity id -> strength in (0, 1]."""
    seeds: dict[str, float] = {}

    def offer(entity_id: str, strength: float) -> None:
        if strength > seeds.get(entity_id, 0.0):
            seeds[entity_id] = strength

    query_norm = f" {' '.join(words(query))} "
    query_words = set(words(query))
    hits = store.text_search("entity", scope, query_terms(query), 25)
    for entity in store.get_entities([h[0] for h in hits]):
        best = 0.0
        for name in [entity.name, *entity.aliases]:
            name_words = words(name)
            if not name_words:
                continue
            if f" {' '.join(name_words)} " in query_norm:
                best = 1.0
                break
            overlap = len(set(name_words) & query_words) / len(name_words)
            best = max(best, _PARTIAL_LINK * overlap)
        if best > 0:
            offer(entity.id, best)
    for entity_id, similarity in store.vector_search("entity", scope, vector, 10):
        if similarity >= cfg.entity_link_similarity:
            offer(entity_id, similarity)
    if scope.user_id and mentions_self(query):
        for entity in store.entities_named(scope, [normalize_name(scope.user_id)]):
            offer(entity.id, 1.0)
    return seeds


@dataclass
class Reached:
    relation: RelationRecord
    score: float
    hops: int


def expand(
    store: Store,
    scope: Scope,
    seeds: dict[str, float],
    vector: npt.NDArray[np.float32],
    cfg: SearchConfig,
    as_of: datetime | None = None,
) -> list[Reached]:
    """Breadth-first walk, both directions, ``cfg.max_hops`` deep and ``cfg.fanout`` edges per entity per hop."""
    reached: dict[str, Reached] = {}
    strength = dict(seeds)
    frontier = dict(seeds)
    for hop in range(1, cfg.max_hops + 1):
        if not frontier:
            break
        edges = store.edges(scope, list(frontier), cfg.fanout, as_of)
        similarity = store.similarity("relation", [e.id for e in edges], vector)
        following: dict[str, float] = {}
        for edge in edges:
            relevance = 0.5 + 0.5 * max(0.0, similarity.get(edge.id, 0.0))
            for here, there in ((edge.source_id, edge.target_id), (edge.target_id, edge.source_id)):
                if here not in frontier:
                    continue
                score = frontier[here] * relevance
                if edge.id not in reached or score > reached[edge.id].score:
                    reached[edge.id] = Reached(edge, score, hop)
                onward = score * cfg.hop_decay
                if onward > strength.get(there, 0.0):
                    strength[there] = onward
                    following[there] = onward
        frontier = following
    return sorted(reached.values(), key=lambda r: (-r.score, r.hops, r.relation.id))


def memory_ranking(
    store: Store, scope: Scope, seeds: dict[str, float], reached: list[Reached], limit: int
) -> list[str]:
    """Memories the walk points at: those cited by reached relations, then those that mention a seed entity."""
    scores: dict[str, float] = {}
    for r in reached:
        for memory_id in r.relation.provenance.memory_ids:
            scores[memory_id] = max(scores.get(memory_id, 0.0), r.score)
    for memory_id, entity_id in store.memories_mentioning(scope, list(seeds), limit):
        scores[memory_id] = max(scores.get(memory_id, 0.0), 0.5 * seeds[entity_id])
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    return [memory_id for memory_id, _ in ranked[:limit]]
