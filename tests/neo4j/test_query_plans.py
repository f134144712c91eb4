"""The search path's Cypher uses the indexes: every query a real ``search`` sends is EXPLAINed with the parameters
it sent, and no scoped read may scan a label or every relationship (the cost must follow the scope, not the store).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from graphmem import Memory
from graphmem.models import EntityRecord, MemoryRecord, RelationRecord, Scope, utcnow
from graphmem.providers.embed import Embedder
from graphmem.stores.base import WritePlan
from graphmem.stores.neo4j import NEO4J_CALENDAR, Neo4jStore, TracedRead
from tests.neo4j_server import Neo4jServer

SCANS = {"AllNodesScan", "NodeByLabelScan", "UnionNodeByLabelsScan", "IntersectionNodeByLabelsScan",
         "DirectedAllRelationshipsScan", "UndirectedAllRelationshipsScan", "DirectedRelationshipTypeScan",
         "UndirectedRelationshipTypeScan", "DirectedUnionRelationshipTypesScan", "UndirectedUnionRelationshipTypesScan",
         "NodeIndexScan", "DirectedRelationshipIndexScan", "UndirectedRelationshipIndexScan"}  # fmt: skip
SEEKS = {"NodeIndexSeek", "NodeUniqueIndexSeek", "NodeIndexSeekByRange", "DirectedRelationshipIndexSeek",
         "UndirectedRelationshipIndexSeek", "DirectedRelationshipIndexSeekByRange", "MultiNodeIndexSeek"}  # fmt: skip
# What a search sends (the graph lane and the relation list included); anything else it sends is checked too
# (memory_similarity, once sent after memory_get_many, now only where search still needs it: issue 10, point 4).
SEARCH_QUERIES = {"memory_vector", "memory_fulltext", "entity_fulltext", "entities_get", "entity_vector",
                  "entities_by_names", "edge_rows", "relation_similarity", "memories_mentioning", "memory_get_many",
                  "relation_vector"}  # fmt: skip
SCOPES = {
    "user": Scope(user_id="alex"),
    "agent": Scope(agent_id="helper"),
    "run": Scope(run_id="chat-1"),
    "user+run": Scope(user_id="alex", run_id="chat-1"),
    "tenant": Scope(user_id="alex", tenant="acme"),  # the tenant is tested on what the seek finds (issue 12)
}
# the key each shape seeks on
KEY = {"user": "user_id", "agent": "agent_id", "run": "run_id", "user+run": "run_id", "tenant": "user_id"}


def searches_the_vector_index(store: Neo4jStore, plan: list[tuple[str, str]], name: str) -> bool:
    """Whether a ``<kind>_vector`` query's plan asks that kind's vector index: on 5.26 through the procedure; on the
    calendar line through the SEARCH clause over the index that filters by scope inside (issue 13)."""
    kind = name.split("_")[0]
    if store.dialect is NEO4J_CALENDAR:
        return any(op.endswith("VectorIndexSearch") and f"{kind}_embedding_by_scope" in d for op, d in plan)
    procedure = "db.index.vector.query" + ("Relationships" if kind == "relation" else "Nodes")
    return any(op == "ProcedureCall" and procedure in d for op, d in plan)


@pytest.fixture(scope="module")
def memory(neo4j_server: Neo4jServer, embedder: Embedder) -> Iterator[Memory]:
    """Two tenants of a few hundred memories beside a small one, an entity graph, agent- and run-scoped records."""
    store = Neo4jStore(neo4j_server.uri, neo4j_server.username, neo4j_server.password, None, embedder.dim)
    store.reset()
    m = Memory(store=store, embedder=embedder)
    for scope in SCOPES.values():
        ids, view = {k: v for k, v in scope.as_dict().items() if v}, tenant_view(m, scope)
        view.add_triples([("Alice Smith", "MET", "Bob Jones"), ("Bob Jones", "WORKS_AT", "Globex"),
                          ("Globex", "LOCATED_IN", "Berlin"), ("Alex", "KNOWS", "Alice Smith")], **ids)  # fmt: skip
        view.add("Alice Smith met Bob Jones at the coffee shop in Berlin.", **ids)  # relations a filter can keep
    rng = np.random.default_rng(3)
    now = utcnow()
    for user, n in (("big0", 400), ("big1", 400), ("alex", 30)):
        scope = Scope(user_id=user)
        vectors = _unit_rows(rng, 2 * n, embedder.dim)
        entities = [
            EntityRecord(
                id=f"{user}-e{i}",
                name=f"Thing {i}",
                normalized=f"thing {i}",
                scope=scope,
                created_at=now,
                embedding=vectors[n + i].tolist(),
            )
            for i in range(n // 4)
        ]
        relations = [
            RelationRecord(
                id=f"{user}-r{i}",
                source_id=a.id,
                target_id=b.id,
                source=a.name,
                target=b.name,
                type="KNOWS",
                fact=f"{a.name} knows {b.name}",
                scope=scope,
                created_at=now,
                embedding=vectors[n + n // 4 + i].tolist(),
            )
            for i, (a, b) in enumerate(zip(entities, entities[1:] + entities[:1], strict=True))
        ]
        store.apply(WritePlan(episode_id=f"bulk-{user}", entities=entities, relations=relations, memories=[
            MemoryRecord(id=f"{user}-{i}", text=f"coffee morning train note {i} of {user}", hash=f"{user}{i}",
                         scope=scope, created_at=now, embedding=vectors[i].tolist())
            for i in range(n)]))  # fmt: skip
    # Plan with this data's statistics (index samples are refreshed in the background, and an earlier test's plans
    # for the same queries may still be cached): what a server that has seen its data for a while would do.
    with store._driver.session() as session:  # procedures are refused by run_read_only (Memory.cypher): issue 11
        session.run("CALL db.prepareForReplanning()").consume()
    yield m
    m.close()


def _unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def tenant_view(memory: Memory, scope: Scope) -> Memory:
    """The memory as the scope's tenant sees it."""
    return memory.for_tenant(scope.tenant) if scope.tenant else memory


def _traced_search(memory: Memory, scope: Scope, **kwargs: Any) -> list[TracedRead]:
    store = memory.store
    assert isinstance(store, Neo4jStore)
    ids = {k: v for k, v in scope.as_dict().items() if v}
    view = tenant_view(memory, scope)
    with store.trace_reads() as traced:
        found = view.search("What do I know about Alice Smith and coffee in Berlin?", **ids, **kwargs)
    assert found["results"] and found["relations"]  # every lane had something to do
    return list(traced)


@pytest.mark.parametrize("shape", list(SCOPES))
def test_every_search_query_seeks_an_index_and_never_scans(memory: Memory, shape: str) -> None:
    store = memory.store
    assert isinstance(store, Neo4jStore)
    traced = _traced_search(memory, SCOPES[shape])
    expected = SEARCH_QUERIES if SCOPES[shape].user_id else SEARCH_QUERIES - {"entities_by_names"}  # "I" = the user
    assert expected <= {read.name for read in traced}
    for name, params, text in traced:
        plan = store.explain(name, params, text)
        operators = [op for op, _ in plan]
        assert not SCANS & set(operators), f"{name} scans: {operators}"
        index_calls = [d for op, d in plan if op == "ProcedureCall" and "db.index." in d]
        assert SEEKS & set(operators) or index_calls, f"{name} uses no index: {operators}"
        if name.endswith("_vector"):
            assert searches_the_vector_index(store, plan, name), name
            if store.dialect is NEO4J_CALENDAR:  # the seek key filters inside the index
                key = KEY[shape].removesuffix("_id")
                assert any(f"{key}_id = $seek_{key}" in d for op, d in plan if op.endswith("VectorIndexSearch")), name
            # exactly one seek key is set, the most selective the scope has
            assert params[f"seek_{KEY[shape].removesuffix('_id')}"] is not None
            assert sum(params[k] is not None for k in ("seek_run", "seek_user", "seek_agent", "seek_any")) == 1
        if name.endswith("_fulltext"):
            assert any(op == "ProcedureCall" and "db.index.fulltext.queryNodes" in details for op, details in plan)
            for field, value in SCOPES[shape].as_dict().items():  # the scope is inside the Lucene query
                if value is not None:
                    assert f'{field}:"{value}"^0' in params["query"]
            assert ('tenant:"' in params["query"]) == bool(SCOPES[shape].tenant)


def test_the_filtered_path_lists_the_scope_through_an_index(memory: Memory) -> None:
    store = memory.store
    assert isinstance(store, Neo4jStore)
    traced = _traced_search(memory, SCOPES["user"], filters={"memory": {"icontains": "coffee"}})
    names = {read.name for read in traced}
    assert "memory_select" in names  # the filter compiled into the scoped listing, not a scan of the scope
    for name, params, text in traced:
        operators = [op for op, _ in store.explain(name, params, text)]
        assert not SCANS & set(operators), f"{name} scans: {operators}"


def test_a_small_tenant_reads_rows_in_proportion_to_its_own_scope(memory: Memory, embedder: Embedder) -> None:
    """PROFILE, not just EXPLAIN: the vector and full-text queries of a 2-memory scope touch a few dozen records,
    however many the big tenants hold (a label scan or a filter after a store-wide index call would touch
    hundreds here)."""
    store = memory.store
    assert isinstance(store, Neo4jStore)
    traced = _traced_search(memory, SCOPES["agent"])
    for name, params, text in traced:
        if name in ("memory_vector", "memory_fulltext", "entity_vector", "relation_vector"):
            with store._driver.session() as session:
                profile = session.run("PROFILE " + text, params).consume().profile
            assert _db_hits(profile) < 200, (name, _db_hits(profile))


def _db_hits(plan: dict[str, Any]) -> int:
    return int(plan.get("dbHits", 0)) + sum(_db_hits(c) for c in plan.get("children", []))
