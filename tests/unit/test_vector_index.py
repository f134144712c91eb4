from __future__ import annotations

import numpy as np
import pytest

from graphmem.models import Scope
from graphmem.stores.vector_index import VectorIndex, cosines, scan_top


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


def test_a_search_never_scores_another_tenants_rows() -> None:
    """Partitions are per (tenant, user): the same user id in two tenants is two partitions, and a scope without a
    user visits only its own tenant's (issue 12's fence)."""
    index = VectorIndex(2)
    index.upsert("mine", unit(1, 1), Scope(user_id="u", tenant="acme"))
    index.upsert("theirs", unit(1, 0), Scope(user_id="u", tenant="globex"))
    index.upsert("library", unit(1, 0.01), Scope(user_id="u"))
    for scope in (Scope(user_id="u", tenant="acme"), Scope(tenant="acme")):
        assert [i for i, _ in index.search(unit(1, 0), scope, 5, current_only=True)] == ["mine"]
        assert [[i for i, _ in hits] for hits in index.search_many([unit(1, 0)], scope, 5, True)] == [["mine"]]
    assert [i for i, _ in index.search(unit(1, 0), Scope(user_id="u"), 5, current_only=True)] == ["library"]
    index.upsert("theirs", unit(1, 0), Scope(user_id="u", tenant="acme"))  # moved: leaves globex's partition
    assert index.search(unit(1, 0), Scope(tenant="globex"), 5, current_only=True) == []
    index.remove("mine")
    assert [i for i, _ in index.search(unit(1, 0), Scope(tenant="acme"), 5, current_only=True)] == ["theirs"]


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


def test_a_tie_at_the_cut_keeps_the_smallest_ids() -> None:
    """Hundreds of rows tied at the k-th score: the k kept are the smallest ids, wherever the rows sit (in the
    index, and in ``scan_top``'s chunks, which answer while an index loads)."""
    rng = np.random.default_rng(3)
    ids = [f"m{i:04d}" for i in rng.permutation(600)]
    vectors = np.stack([unit(1, 0) if i % 3 else unit(0, 1) for i in range(600)])
    index = VectorIndex(2)
    for ident, vector in zip(ids, vectors, strict=True):
        index.upsert(ident, vector, Scope(user_id="u"))
    tied = sorted(ident for ident, vector in zip(ids, vectors, strict=True) if vector[0] > 0.5)
    assert [i for i, _ in index.search(unit(1, 0), Scope(user_id="u"), 7, current_only=True)] == tied[:7]
    chunks = [(ids[i : i + 100], vectors[i : i + 100]) for i in range(0, 600, 100)]
    assert [i for i, _ in scan_top(chunks, unit(1, 0)[None, :], 7)[0]] == tied[:7]


def clustered(rng: np.random.Generator, n: int, dim: int = 32, clusters: int = 40) -> np.ndarray:
    """Unit vectors around a few dozen centres: the shape real embeddings have, which IVF relies on."""
    centres = rng.normal(size=(clusters, dim))
    rows = centres[rng.integers(0, clusters, n)] + 0.35 * rng.normal(size=(n, dim))
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def brute_force(vectors: np.ndarray, ids: list[str], query: np.ndarray, k: int) -> list[str]:
    order = np.argsort(-(vectors @ query), kind="stable")[:k]
    return [ids[i] for i in order]


def test_a_large_partition_is_searched_through_ivf_lists_with_high_recall() -> None:
    rng = np.random.default_rng(1)
    index = VectorIndex(32, exact_limit=1000, probe_rows=600)
    vectors = clustered(rng, 4000)
    ids = [f"m{i}" for i in range(4000)]
    for ident, vec in zip(ids, vectors, strict=True):
        index.upsert(ident, vec, Scope(user_id="big"))
    small = clustered(rng, 50)
    for i, vec in enumerate(small):
        index.upsert(f"s{i}", vec, Scope(user_id="small"))
    queries = clustered(rng, 50)
    found = [index.search(q, Scope(user_id="big"), 10, current_only=True) for q in queries]
    assert index.ann_partitions() == 1  # only the big tenant; the small one stays exact
    recall = np.mean(
        [
            len({i for i, _ in hits} & set(brute_force(vectors, ids, q, 10))) / 10
            for q, hits in zip(queries, found, strict=True)
        ]
    )
    assert recall >= 0.9
    assert all(i.startswith("m") for hits in found for i, _ in hits)
    # The small tenant is exact and never sees the big one's rows.
    small_ids = [f"s{i}" for i in range(50)]
    for q in queries[:10]:
        assert [i for i, _ in index.search(q, Scope(user_id="small"), 5, True)] == brute_force(small, small_ids, q, 5)


def test_ivf_probes_further_when_a_narrow_filter_leaves_too_few_rows() -> None:
    rng = np.random.default_rng(2)
    index = VectorIndex(32, exact_limit=500, probe_rows=100)
    vectors = clustered(rng, 2000)
    for i, vec in enumerate(vectors):
        index.upsert(f"m{i}", vec, Scope(user_id="u", agent_id="rare" if i % 200 == 0 else "common"))
    hits = index.search(vectors[1], Scope(user_id="u", agent_id="rare"), 10, current_only=True)
    assert sorted(i for i, _ in hits) == sorted(f"m{i}" for i in range(0, 2000, 200))


def test_ivf_partition_keeps_updates_removals_and_currency() -> None:
    rng = np.random.default_rng(3)
    index = VectorIndex(32, exact_limit=300, probe_rows=100)
    vectors = clustered(rng, 1000)
    for i, vec in enumerate(vectors):
        index.upsert(f"m{i}", vec, Scope(user_id="u"))
    assert [i for i, _ in index.search(vectors[7], Scope(user_id="u"), 1, True)] == ["m7"]
    assert index.ann_partitions() == 1
    index.set_current("m7", False)
    assert "m7" not in {i for i, _ in index.search(vectors[7], Scope(user_id="u"), 5, True)}
    assert [i for i, _ in index.search(vectors[7], Scope(user_id="u"), 1, False)] == ["m7"]
    index.remove("m7")
    assert "m7" not in {i for i, _ in index.search(vectors[7], Scope(user_id="u"), 5, False)}
    index.upsert("m8", vectors[9], Scope(user_id="u"))  # a new vector for an existing id moves it
    top = index.search(vectors[9], Scope(user_id="u"), 2, True)
    assert {i for i, _ in top} == {"m8", "m9"} and len(index) == 999
    for i in range(1000, 2100):  # doubling the partition rebuilds the lists; everything stays findable
        index.upsert(f"m{i}", vectors[i % 1000], Scope(user_id="u"))
    found = [i for i, _ in index.search(vectors[3], Scope(user_id="u"), 2, True)]  # three rows hold vectors[3]
    assert len(found) == 2 and set(found) <= {"m3", "m1003", "m2003"}


def test_search_many_answers_each_query_as_search_does_flat_ivf_and_across_partitions() -> None:
    """The batched search (one matrix product per flat block; IVF partitions query by query) returns, per query,
    the ids ``search`` returns, in order: flat and IVF partitions, every partition for a user-less scope,
    agent/run masks and currency."""
    rng = np.random.default_rng(3)
    index = VectorIndex(8, exact_limit=300, probe_rows=64)
    for i in range(1200):  # user "big" becomes IVF; "small" stays flat
        user = "big" if i < 1000 else "small"
        scope = Scope(user_id=user, agent_id="a" if i % 3 == 0 else None, run_id="r" if i % 7 == 0 else None)
        index.upsert(f"m{i:04d}", unit(*rng.normal(size=8)), scope, current=i % 5 != 0)
    queries = [unit(*rng.normal(size=8)) for _ in range(9)]
    scopes = [Scope(user_id="big"), Scope(user_id="small"), Scope(), Scope(agent_id="a"), Scope(run_id="r"),
              Scope(user_id="none")]  # fmt: skip
    for scope in scopes:
        for current_only in (True, False):
            batched = index.search_many(queries, scope, 10, current_only)
            singly = [index.search(q, scope, 10, current_only) for q in queries]
            assert [[i for i, _ in h] for h in batched] == [[i for i, _ in h] for h in singly]
            assert np.allclose([s for h in batched for _, s in h], [s for h in singly for _, s in h], atol=1e-6)
    assert index.ann_partitions() == 1
    assert index.search_many([], Scope(user_id="big"), 10, True) == []


def test_a_bulk_load_trains_big_partitions_so_searches_never_train() -> None:
    """Issue 13: the first search of a big partition used to train its IVF lists (2-4 s). ``reset``/``load`` train
    them in bulk, searches leave the count alone, and the loaded index answers as one built row by row does."""
    rng = np.random.default_rng(4)
    vectors = clustered(rng, 1500)
    rows = [(f"m{i}", vectors[i], Scope(user_id="big" if i < 1200 else "small"), i % 9 != 0) for i in range(1500)]
    loaded = VectorIndex(32, exact_limit=1000, probe_rows=600)
    loaded.reset(rows)
    assert loaded.trainings == 1 and loaded.ann_partitions() == 1 and len(loaded) == 1500
    queries = clustered(rng, 30)
    for q in queries:
        loaded.search(q, Scope(user_id="big"), 10, current_only=True)
        loaded.search_many([q], Scope(), 10, current_only=False)
    assert loaded.trainings == 1  # no search trained anything
    # The flat partition answers exactly as an index built by upserts does; the IVF one keeps its recall.
    upserted = VectorIndex(32, exact_limit=1000, probe_rows=600)
    for ident, vec, scope, current in rows:
        upserted.upsert(ident, vec, scope, current)
    for q in queries:
        assert loaded.search(q, Scope(user_id="small"), 10, True) == upserted.search(
            q, Scope(user_id="small"), 10, True
        )
    big_ids = [f"m{i}" for i in range(1200) if i % 9 != 0]
    big = np.stack([vectors[int(i[1:])] for i in big_ids])
    recall = np.mean(
        [
            len(
                {i for i, _ in loaded.search(q, Scope(user_id="big"), 10, True)} & set(brute_force(big, big_ids, q, 10))
            )
            / 10
            for q in queries
        ]
    )
    assert recall >= 0.9


def test_the_write_that_takes_a_partition_past_the_limit_trains_it() -> None:
    index = VectorIndex(8, exact_limit=100, probe_rows=32)
    rng = np.random.default_rng(5)
    for i in range(100):
        index.upsert(f"m{i}", unit(*rng.normal(size=8)), Scope(user_id="u"))
    assert index.trainings == 0 and index.ann_partitions() == 0
    index.upsert("m100", unit(*rng.normal(size=8)), Scope(user_id="u"))  # 101 rows: past the limit
    assert index.trainings == 1 and index.ann_partitions() == 1
    for i in range(101, 201):
        index.upsert(f"m{i}", unit(*rng.normal(size=8)), Scope(user_id="u"))
    assert index.trainings == 1  # 201 rows: not yet double the 101 trained on
    index.upsert("m201", unit(*rng.normal(size=8)), Scope(user_id="u"))
    assert index.trainings == 2
    index.search(unit(*rng.normal(size=8)), Scope(user_id="u"), 5, True)
    assert index.trainings == 2 and len(index) == 202


def test_load_keeps_the_last_row_of_a_repeated_id_and_rejects_a_wrong_width() -> None:
    index = VectorIndex(2)
    index.reset([("a", unit(1, 0), Scope(user_id="u"), True), ("a", unit(0, 1), Scope(user_id="v"), True)])
    assert len(index) == 1 and index.search(unit(0, 1), Scope(user_id="u"), 5, True) == []
    assert [i for i, _ in index.search(unit(0, 1), Scope(user_id="v"), 5, True)] == ["a"]
    index.load([("b", unit(1, 0).tobytes(), "", "u", "", "", True)])  # stored blobs, as the store reads them
    assert [i for i, _ in index.search(unit(1, 0), Scope(user_id="u"), 5, True)] == ["b"] and len(index) == 1
    with pytest.raises(ValueError, match="shape"):
        index.load([("c", np.zeros(3, dtype=np.float32).tobytes(), "", "u", "", "", True)])
    index.reset()
    assert len(index) == 0


def test_a_rows_cosine_does_not_depend_on_the_ids_asked_beside_it() -> None:
    """``scores`` (a store's ``similarity``) gives each id the same float whatever else is asked with it, and the
    table path (``cosines`` on rows read in chunks) gives the same floats: a cold and a warm store answer alike."""
    rng = np.random.default_rng(5)
    index = VectorIndex(32)
    vectors = clustered(rng, 300)
    for i, vec in enumerate(vectors):
        index.upsert(f"m{i:03d}", vec, Scope(user_id="u"))
    query = unit(*rng.normal(size=32))
    everything = index.scores([f"m{i:03d}" for i in range(300)], query)
    for i in range(0, 300, 7):
        assert index.scores([f"m{i:03d}"], query) == {f"m{i:03d}": everything[f"m{i:03d}"]}
    assert cosines(vectors[5:9], query).tolist() == [everything[f"m{i:03d}"] for i in range(5, 9)]
