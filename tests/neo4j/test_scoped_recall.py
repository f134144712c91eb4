"""A small tenant among large ones keeps its true nearest neighbours (no global top-k then filter)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from graphmem.models import MemoryRecord, Scope, utcnow
from graphmem.stores.base import WritePlan
from graphmem.stores.neo4j import Neo4jStore
from tests.neo4j_server import Neo4jServer

DIM = 384


def _unit_rows(rng: np.random.Generator, n: int) -> np.ndarray:
    v = rng.normal(size=(n, DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _bulk(store: Neo4jStore, vectors: np.ndarray, user: str, prefix: str) -> list[str]:
    now = utcnow()
    ids = [f"{prefix}-{i:05d}" for i in range(len(vectors))]
    for start in range(0, len(ids), 5000):
        plan = WritePlan(episode_id=f"bulk-{prefix}-{start}", memories=[
            MemoryRecord(id=ids[i], text=f"{prefix} memory {i}", hash=f"{prefix}{i}", scope=Scope(user_id=user),
                         created_at=now, embedding=vectors[i].tolist())
            for i in range(start, min(start + 5000, len(ids)))])  # fmt: skip
        store.apply(plan)
    return ids


@pytest.fixture(scope="module")
def tenants(neo4j_server: Neo4jServer) -> Iterator[tuple[np.ndarray, list[str]]]:
    """20,000 memories of four large tenants beside 20 of a small one."""
    store = Neo4jStore(neo4j_server.uri, neo4j_server.username, neo4j_server.password, None, DIM)
    store.reset()
    rng = np.random.default_rng(7)
    others = _unit_rows(rng, 20_000)
    for user in range(4):
        _bulk(store, others[user * 5000 : (user + 1) * 5000], f"big{user}", f"o{user}")
    mine = _unit_rows(rng, 20)
    yield mine, _bulk(store, mine, "small", "mine")
    store.close()


def test_small_tenant_top5_equals_brute_force_in_its_scope(
    tenants: tuple[np.ndarray, list[str]], neo4j_server: Neo4jServer
) -> None:
    mine, my_ids = tenants
    searcher = Neo4jStore(neo4j_server.uri, neo4j_server.username, neo4j_server.password, None, DIM)
    for q in _unit_rows(np.random.default_rng(11), 5):
        expected = [my_ids[i] for i in np.argsort(-(mine @ q), kind="stable")[:5]]
        got = searcher.vector_search("memory", Scope(user_id="small"), q, 5)
        assert [i for i, _ in got] == expected
        assert np.allclose([s for _, s in got], np.sort(mine @ q)[::-1][:5], atol=1e-4)
    searcher.close()


def test_ann_path_widens_until_the_scope_has_k_hits_with_exact_scores(
    tenants: tuple[np.ndarray, list[str]], neo4j_server: Neo4jServer
) -> None:
    """Forced onto the index (exact_limit=0), a 20-row scope among 20,000 still gets k hits: the candidate pool
    widens until it holds k of the scope's rows (a single global top-100 would hold about none). The index is
    approximate, which is why small scopes never take this path; scores are exact cosines, best first."""
    mine, my_ids = tenants
    searcher = Neo4jStore(neo4j_server.uri, neo4j_server.username, neo4j_server.password, None, DIM, exact_limit=0)
    row_of = {ident: i for i, ident in enumerate(my_ids)}
    for q in _unit_rows(np.random.default_rng(11), 5):
        got = searcher.vector_search("memory", Scope(user_id="small"), q, 5)
        assert len(got) == 5 and all(i in row_of for i, _ in got)
        scores = [s for _, s in got]
        assert scores == sorted(scores, reverse=True)
        assert np.allclose(scores, [float(mine[row_of[i]] @ q) for i, _ in got], atol=1e-4)
    searcher.close()
