"""The ingest pipeline's cache of recently embedded short texts (names, relation-type phrases)."""

from __future__ import annotations

import numpy as np

from graphmem.ingest.pipeline import _RecentVectors


def test_short_texts_are_kept_least_recently_used_out_and_long_ones_never() -> None:
    cache = _RecentVectors(rows=2, max_chars=10)
    matrix = np.eye(3, dtype=np.float32)
    cache.put_many(["a", "b", "a fact that is long"], matrix)
    assert cache.get_many(["a", "b", "a fact that is long"]) == {"a": [1.0, 0.0, 0.0], "b": [0.0, 1.0, 0.0]}
    cache.get_many(["a"])  # "a" is now the most recently used
    cache.put_many(["c"], matrix[2:])
    assert sorted(cache.get_many(["a", "b", "c"])) == ["a", "c"]
    matrix[0, 0] = 9.0  # rows are copies: the batch's matrix can change or go away
    assert cache.get_many(["a"])["a"][0] == 1.0
