"""A scope too big to read exactly at first, whose index neighbours all belong to other scopes (the query sits in
the middle of thousands of another tenant's vectors), still gets its true top-k: after one short approximate pool
the store reads the scope's rows exactly, in one more query, rather than widening the pool over and over."""

from __future__ import annotations

import numpy as np

from graphmem.models import MemoryRecord, Scope, utcnow
from graphmem.stores.base import WritePlan
from graphmem.stores.neo4j import NEO4J_CALENDAR, Neo4jStore
from tests.neo4j_server import Neo4jServer

DIM = 384


def test_a_short_approximate_pool_falls_back_to_the_exact_scope(neo4j_server: Neo4jServer) -> None:
    store = Neo4jStore(neo4j_server.uri, neo4j_server.username, neo4j_server.password, None, DIM)
    store.reset()
    rng = np.random.default_rng(5)
    query = rng.normal(size=DIM).astype(np.float32)
    query /= np.linalg.norm(query)
    mine = rng.normal(size=(300, DIM)).astype(np.float32)
    mine /= np.linalg.norm(mine, axis=1, keepdims=True)
    others = query + 0.05 * rng.normal(size=(4000, DIM)).astype(np.float32)  # all far closer to the query than ours
    others /= np.linalg.norm(others, axis=1, keepdims=True)
    rows = {"others": others, "mine": mine}
    now = utcnow()
    for user, vectors in rows.items():
        store.apply(WritePlan(episode_id=f"bulk-{user}", memories=[
            MemoryRecord(id=f"{user}-{i:05d}", text=f"{user} {i}", hash=f"{user}{i}", scope=Scope(user_id=user),
                         created_at=now, embedding=v.tolist()) for i, v in enumerate(vectors)]))  # fmt: skip
    with store.trace_reads() as traced:
        got = store.vector_search("memory", Scope(user_id="mine"), query, 5)
    expected = np.argsort(-(mine @ query), kind="stable")[:5]
    assert [i for i, _ in got] == [f"mine-{i:05d}" for i in expected]
    assert np.allclose([s for _, s in got], (mine @ query)[expected], atol=1e-4)
    if store.dialect is NEO4J_CALENDAR:  # the index filters by scope inside the search: ours came back at once
        assert [read.params["exact"] for read in traced] == [False]
    else:
        # 300 rows, k=5, 4,300 in the index: too many to read at first (300^2 > 2 * 5 * 4300), so the index was
        # asked first; its pool held none of ours, and the next pool would have been larger than the scope.
        assert [read.params["exact"] for read in traced] == [False, True]
    store.close()
