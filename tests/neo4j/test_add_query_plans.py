"""The write path's batched candidate searches (``*_vector_many``) use the indexes as ``*_vector`` does: EXPLAINed
with the parameters a real ``add`` sent, under every scope shape, no label or relationship scan."""

from __future__ import annotations

from typing import Any

import pytest

from graphmem import Memory
from graphmem.providers.embed import Embedder
from graphmem.stores.neo4j import Neo4jStore
from tests.neo4j.test_query_plans import SCANS, SCOPES, SEEKS, searches_the_vector_index, tenant_view
from tests.neo4j_server import Neo4jServer


@pytest.mark.parametrize("shape", list(SCOPES))
def test_an_adds_candidate_searches_seek_an_index_and_never_scan(
    neo4j_server: Neo4jServer, embedder: Embedder, shape: str
) -> None:
    store = Neo4jStore(neo4j_server.uri, neo4j_server.username, neo4j_server.password, None, embedder.dim)
    store.reset()
    with Memory(store=store, embedder=embedder) as library:
        m = tenant_view(library, SCOPES[shape])  # the scope's tenant's view
        ids: dict[str, Any] = {k: v for k, v in SCOPES[shape].as_dict().items() if v}
        m.add("Alice Smith met Bob Jones at the coffee shop in Berlin.", **ids)
        with store.trace_reads() as traced:
            m.add("Alice Smyth met Bob Jonas at the tea house in Bern.", **ids)
            # offline rules ask no fact candidates (no model to ask): the memory search as the chat path calls it
            store.vector_search_many("memory", SCOPES[shape], [embedder.embed(["tea in Bern"])[0]], 3)
        batched = [read for read in traced if read.name.endswith("_vector_many")]
        assert {read.name for read in batched} == {"entity_vector_many", "memory_vector_many"}
        for name, params, text in batched:
            plan = store.explain(name, params, text)
            operators = [op for op, _ in plan]
            assert not SCANS & set(operators), f"{name} scans: {operators}"
            assert SEEKS & set(operators), f"{name} seeks no index: {operators}"
            assert searches_the_vector_index(store, plan, name), name
