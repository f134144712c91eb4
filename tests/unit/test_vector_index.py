from __future__ import annotations

import numpy as np

from graphmem.models import Scope
from graphmem.stores.vector_index import VectorIndex


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_search_is_exact_within_scope_and_current_only() -> None:
    index = VectorIndex(2)
    index.upsert("a", unit(1, 0), Scope(user_id="u1"))
    index.upsert("b", unit(1, 0.1), Scope(user_id="u2"))
    index.upsert("c", unit(0, 1), Scope(user_id="u1", run_id="r"))
    index.upsert("d", unit(1, 0.05), Scope(user_id="u1"), current=False)
    assert [i for i, _ in index.search(unit(1, 0), Scope(user_id="u1"), 5, current_only=True)] == ["a", "c"]
    assert [i for i, _ in index.search(unit(1, 0), Scope(user_id="u1"), 5, current_only=False)] == ["a", "d", "c"]
    assert [i for i, _ in index.search(unit(1, 0), Scope(run_id="r"), 5, current_only=True)] == ["c"]
    assert [i for i, _ in index.search(unit(1, 0), Scope(), 2, current_only=True)] == ["a", "b"]


def test_upsert_replaces_remove_hides_and_compaction_keeps_results() -> None:
    index = VectorIndex(2)
    rng = np.random.default_rng(0)
    for i in range(3000):
        index.upsert(f"m{i}", unit(*rng.normal(size=2)), Scope(user_id="u"))
    index.upsert("m0", unit(1, 0), Scope(user_id="u"))
    for i in range(1, 2500):
        index.remove(f"m{i}")
    assert len(index) == 501
    hits = index.search(unit(1, 0), Scope(user_id="u"), 1, current_only=True)
    assert hits[0][0] == "m0" and abs(hits[0][1] - 1.0) < 1e-6
    assert index.scores(["m0", "m1"], unit(1, 0)) == {"m0": hits[0][1]}


def test_ties_break_by_id() -> None:
    index = VectorIndex(2)
    for ident in ("b", "a", "c"):
        index.upsert(ident, unit(1, 0), Scope(user_id="u"))
    assert [i for i, _ in index.search(unit(1, 0), Scope(user_id="u"), 2, current_only=True)] == ["a", "b"]
