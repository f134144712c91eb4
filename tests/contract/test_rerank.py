"""Contract: the store-backed rerankers (``mmr`` reads memory embeddings, ``graph_distance`` walks the graph)
behave the same on every backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from graphmem import Memory
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store

ALPS = ["I love hiking in the Alps", "I really love hiking in the Alps", "I love hiking in the Swiss Alps"]
OTHERS = ["I go hiking with my dog on weekends", "My sister hates hiking", "I like pizza"]
CHAIN = ["Alice works at Acme.", "Bob works at Acme.", "Bob lives in Paris.", "Carol owns a boat."]


@pytest.fixture
def open_memory(make_store: Callable[[], Store], embedder: Embedder) -> Iterator[Callable[[dict[str, Any]], Memory]]:
    """Memories over the same store, each with another reranker config."""
    opened: list[Memory] = []

    def factory(reranker: dict[str, Any]) -> Memory:
        m = Memory({"reranker": reranker}, store=make_store(), embedder=embedder)
        opened.append(m)
        return m

    yield factory
    for m in opened:
        m.close()


def test_mmr_spreads_near_duplicates_apart_as_lambda_drops(open_memory: Callable[[dict[str, Any]], Memory]) -> None:
    def top(lambda_mult: float) -> list[str]:
        m = open_memory({"provider": "mmr", "config": {"lambda_mult": lambda_mult}})
        out = m.search("hiking in the Alps", user_id="u", limit=3, rerank=True)
        assert out["rerank"] == {"reranker": "mmr", "candidates": 6, "error": None}
        scores = [r["rerank_score"] for r in out["results"]]
        assert scores == sorted(scores, reverse=True)
        assert all({"score", "lanes"} <= set(r) for r in out["results"])
        return [r["memory"] for r in out["results"]]

    writer = open_memory({"provider": "mmr"})
    for text in ALPS + OTHERS:
        writer.add(text, user_id="u", infer=False)
    writer.add("I love hiking in the Alps too", user_id="someone-else", infer=False)  # never a candidate for u
    fused = [r["memory"] for r in writer.search("hiking in the Alps", user_id="u", limit=3)["results"]]
    assert set(fused) == set(ALPS)  # the near-duplicates fill the fused top 3

    assert top(1.0) == fused  # all relevance: the fused order
    duplicates = [sum(text in ALPS for text in top(lam)) for lam in (1.0, 0.7, 0.5, 0.3)]
    assert duplicates == sorted(duplicates, reverse=True) and duplicates[0] == 3 and duplicates[-1] == 1
    assert top(0.3)[0] == fused[0]  # the most relevant memory still leads


def test_graph_distance_prefers_memories_near_the_query_entities(
    open_memory: Callable[[dict[str, Any]], Memory],
) -> None:
    def reranked(**config: Any) -> list[tuple[str, float]]:
        m = open_memory({"provider": "graph_distance", "config": config})
        out = m.search("Tell me about Alice", user_id="u", limit=4, rerank=True)
        return [(r["memory"], r["rerank_score"]) for r in out["results"]]

    writer = open_memory({"provider": "graph_distance"})
    for text in CHAIN:
        writer.add(text, user_id="u")
    fused = [r["memory"] for r in writer.search("Tell me about Alice", user_id="u", limit=4)["results"]]

    # Alice is linked (0 hops: 1), Acme is 1 hop away (1/2), Bob 2 (1/3), Paris 3 and Carol's boat unreachable (0).
    assert reranked(weight=1.0) == [
        ("Alice works at Acme", 1.0),
        ("Bob works at Acme", 0.5),
        ("Bob lives in Paris", 0.333333),
        ("Carol owns a boat", 0.0),
    ]
    one_hop = reranked(weight=1.0, max_hops=1)  # Bob is now out of reach: his Paris memory ties with Carol's at 0
    assert one_hop[:2] == [("Alice works at Acme", 1.0), ("Bob works at Acme", 0.5)]
    assert [text for text, _ in one_hop[2:]] == [t for t in fused if t in ("Bob lives in Paris", "Carol owns a boat")]
    assert {score for _, score in one_hop[2:]} == {0.0}
    assert [text for text, _ in reranked(weight=0.0)] == fused  # no weight on the graph: the fused order
