from __future__ import annotations

import pytest

from graphmem.recall.fuse import normalized, rrf
from graphmem.recall.terms import mentions_self, query_terms


def test_rrf_sums_weighted_reciprocal_ranks() -> None:
    fused = rrf({"vector": ["a", "b", "c"], "bm25": ["c", "a"]}, {"vector": 1.0, "bm25": 2.0}, k=10)
    scores = {f.id: f.score for f in fused}
    assert scores["a"] == pytest.approx(1 / 11 + 2 / 12)
    assert scores["c"] == pytest.approx(1 / 13 + 2 / 11)
    assert scores["b"] == pytest.approx(1 / 12)
    assert [f.id for f in fused] == ["c", "a", "b"]
    assert fused[0].ranks == {"vector": 3, "bm25": 1}


def test_rrf_breaks_ties_by_id_and_zero_weight_lanes_only_label() -> None:
    fused = rrf({"vector": ["z"], "bm25": ["y"], "graph": ["x"]}, {"vector": 1, "bm25": 1, "graph": 0}, k=60)
    assert [f.id for f in fused] == ["y", "z", "x"]
    assert fused[2].score == 0 and fused[2].ranks == {"graph": 1}


def test_rrf_counts_a_duplicate_within_one_lane_once() -> None:
    [only] = rrf({"vector": ["a", "a"]}, {"vector": 1.0}, k=1)
    assert only.score == pytest.approx(0.5) and only.ranks == {"vector": 1}


def test_normalized_score_is_one_when_first_in_every_weighted_lane() -> None:
    weights = {"vector": 1.0, "bm25": 1.0, "graph": 0.0}
    [top] = rrf({"vector": ["a"], "bm25": ["a"]}, weights, k=60)
    assert normalized(top.score, weights, 60) == pytest.approx(1.0)


def test_query_terms_drop_stopwords_and_keep_order() -> None:
    assert query_terms("Who did Alice meet at GraphConf?") == ["alice", "meet", "graphconf"]
    assert query_terms("what is it") == ["what", "is", "it"]
    assert query_terms("Bob's bob's BOB dog") == ["bob", "dog"]


def test_mentions_self() -> None:
    assert mentions_self("What do you know about me?")
    assert mentions_self("I'm hungry")
    assert not mentions_self("Who did Alice meet?")
