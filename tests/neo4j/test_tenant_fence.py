"""The tenant fence in the Cypher store (issue 12, point 2): what only Neo4j can show. Its search lanes filter the
vector and full-text indexes' answers by scope afterwards, so another tenant crowding the index must not cost a
tenant its k nearest; entity resolution goes through the uniqueness constraint, which must include the tenant; and
a database written before the fence is migrated to tenant '' when the store connects. (The backend-neutral rules
are tests/contract/test_tenants.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from graphmem import Memory
from graphmem.models import MemoryRecord, Scope, utcnow
from graphmem.providers.embed import Embedder
from graphmem.stores.base import WritePlan
from graphmem.stores.neo4j import NEO4J, Neo4jStore
from tests.neo4j_server import Neo4jServer

ACME = Scope(user_id="u", tenant="acme")
LIBRARY = Scope(user_id="u")  # the same user id in the library's own tenant ''


@pytest.fixture
def store(neo4j_server: Neo4jServer, embedder: Embedder) -> Iterator[Neo4jStore]:
    s = _open(neo4j_server, embedder.dim)
    s.reset()
    yield s
    s.reset()
    s.close()


def _open(server: Neo4jServer, dim: int, exact_limit: int = 50_000) -> Neo4jStore:
    return Neo4jStore(server.uri, server.username, server.password, None, dim, exact_limit=exact_limit)


def _memories(scope: Scope, prefix: str, texts: list[str], vectors: np.ndarray) -> list[MemoryRecord]:
    now = utcnow()
    return [MemoryRecord(id=f"{prefix}-{i}", text=text, hash=f"{prefix}{i}", scope=scope, created_at=now,
                         embedding=vectors[i].tolist()) for i, text in enumerate(texts)]  # fmt: skip


def _unit(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    v = rng.normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_a_tenant_gets_its_own_k_nearest_when_another_tenant_crowds_the_vector_index(
    neo4j_server: Neo4jServer, embedder: Embedder, store: Neo4jStore
) -> None:
    """The library's user 'u' holds 300 memories right next to the query, acme's 'u' 40 farther away; the index
    path (exact_limit=0: a first pool of 2k * total / rows = 170 candidates, all the library's) must widen past the
    crowd and return acme's true top 10, none of the others'."""
    rng = np.random.default_rng(7)
    dim = embedder.dim
    query = _unit(rng, 1, dim)[0]
    crowd = query + 0.05 * _unit(rng, 300, dim)
    crowd /= np.linalg.norm(crowd, axis=1, keepdims=True)
    own = _unit(rng, 40, dim)
    store.apply(WritePlan(episode_id="crowd", memories=_memories(LIBRARY, "lib", ["x"] * 300, crowd)))
    store.apply(WritePlan(episode_id="acme", memories=_memories(ACME, "acme", ["y"] * 40, own)))
    expected = [f"acme-{i}" for i in np.argsort(-(own @ query), kind="stable")[:10]]
    approximate = _open(neo4j_server, dim, exact_limit=0)  # never the exact search: the index and its pool
    try:
        for s in (store, approximate):
            hits = s.vector_search("memory", ACME, query, 10)
            assert [i for i, _ in hits] == expected
            [many] = s.vector_search_many("memory", ACME, [query], 10)
            assert [i for i, _ in many] == expected
        # ... and the library's own 'u' sees none of acme's
        assert all(i.startswith("lib-") for i, _ in store.vector_search("memory", LIBRARY, own[0], 10))
    finally:
        approximate.close()


def test_a_tenant_gets_its_own_text_matches_when_another_tenant_has_better_ones(store: Neo4jStore) -> None:
    rng = np.random.default_rng(8)
    store.apply(WritePlan(episode_id="crowd", memories=_memories(
        LIBRARY, "lib", ["coffee coffee coffee"] * 200, _unit(rng, 200, store.dim))))  # fmt: skip
    texts = [f"coffee and note {i} with more words" for i in range(5)]
    store.apply(WritePlan(episode_id="acme", memories=_memories(ACME, "acme", texts, _unit(rng, 5, store.dim))))
    with store.trace_reads() as traced:
        hits = store.text_search("memory", ACME, ["coffee"], 5)  # the library's 200 would rank first
    assert sorted(i for i, _ in hits) == [f"acme-{i}" for i in range(5)]
    assert len(traced) == 1  # the tenant is in Lucene's query: no pool full of the other tenant's matches to widen
    assert len(store.text_search("memory", LIBRARY, ["coffee"], 300)) == 200


def test_two_tenants_resolve_the_same_names_to_their_own_entities(store: Neo4jStore, embedder: Embedder) -> None:
    """Same user id, same entity names: each tenant gets its own entities (the uniqueness key includes the tenant),
    and deleting one tenant's scope leaves the other's graph whole."""
    library = Memory(store=store, embedder=embedder)
    acme = library.for_tenant("acme")
    triples = [("Alice Smith", "MET", "Bob Jones"), ("Bob Jones", "WORKS_AT", "Globex")]
    library.add_triples(triples, user_id="u")
    acme.add_triples(triples, user_id="u")
    mine, theirs = store.list_entities(ACME), store.list_entities(LIBRARY)
    assert sorted(e.name for e in mine) == sorted(e.name for e in theirs) == ["Alice Smith", "Bob Jones", "Globex"]
    assert not {e.id for e in mine} & {e.id for e in theirs}
    assert {e.scope for e in mine} == {ACME} and {r.scope for r in store.list_relations(ACME)} == {ACME}
    assert store.find_entities(ACME, ["alice smith"])["alice smith"].scope == ACME
    said = "Hi, I'm Alex. I love basketball and gaming."  # the same text: no dedup by hash across tenants
    library.add(said, user_id="u")
    acme.add(said, user_id="u")
    library_ids = {r["id"] for r in library.get_all(user_id="u")["results"]}
    acme_ids = {r["id"] for r in acme.get_all(user_id="u")["results"]}
    assert acme_ids and library_ids and not acme_ids & library_ids
    assert {m.scope for m in store.get_memories(sorted(acme_ids))} == {ACME}
    kept = (store.list_entities(LIBRARY), store.list_relations(LIBRARY))
    acme.delete_all(user_id="u")
    assert store.list_entities(ACME) == [] and store.list_relations(ACME) == []
    assert (store.list_entities(LIBRARY), store.list_relations(LIBRARY)) == kept
    assert {r["id"] for r in library.get_all(user_id="u")["results"]} == library_ids


def test_a_database_written_before_the_fence_is_the_librarys_tenant_after_connecting(
    neo4j_server: Neo4jServer, embedder: Embedder, store: Neo4jStore
) -> None:
    """Records without a tenant (and the old constraints without it) as a store before the fence left them: the
    next connect backfills tenant '' and swaps the constraints, so the library still sees everything and a tenant
    can write the same names under the same user id."""
    library = Memory(store=store, embedder=embedder)
    library.add("Alice Smith met Bob Jones in Berlin.", user_id="u")
    library.add_triples([("Alice Smith", "MET", "Bob Jones")], user_id="u")
    before = library.get_all(user_id="u")["results"]
    with store._driver.session() as session:
        for statement in (
            "MATCH (n) WHERE n.tenant IS NOT NULL REMOVE n.tenant",
            "MATCH ()-[r:RELATES]->() REMOVE r.tenant",
            "MATCH (d:GraphmemMigration {name: 'tenant'}) DELETE d",
            "DROP CONSTRAINT entity_scope_key IF EXISTS",
            "DROP CONSTRAINT write_lock_scope_key IF EXISTS",
            "CREATE CONSTRAINT entity_key IF NOT EXISTS FOR (e:Entity) "
            "REQUIRE (e.user_id, e.agent_id, e.run_id, e.normalized) IS UNIQUE",
            "CREATE CONSTRAINT write_lock_key IF NOT EXISTS FOR (l:WriteLock) "
            "REQUIRE (l.user_id, l.agent_id, l.run_id) IS UNIQUE",
        ):
            session.run(statement).consume()
    migrated = _open(neo4j_server, embedder.dim)
    try:
        with migrated._driver.session() as session:
            untagged = session.run(
                "MATCH (n) WHERE (n:Episode OR n:Memory OR n:Entity OR n:History OR n:WriteLock) AND n.tenant IS NULL "
                "RETURN count(n) AS n"
            ).single()
            untagged_edges = session.run(
                "MATCH ()-[r:RELATES]->() WHERE r.tenant IS NULL RETURN count(r) AS n"
            ).single()
            constraints = {r["name"]: r["properties"] for r in session.run(
                "SHOW CONSTRAINTS YIELD name, properties RETURN name, properties")}  # fmt: skip
        assert untagged is not None and untagged["n"] == 0
        assert untagged_edges is not None and untagged_edges["n"] == 0
        assert "entity_key" not in constraints and "write_lock_key" not in constraints
        assert "tenant" in constraints["entity_scope_key"] and "tenant" in constraints["write_lock_scope_key"]
        again = Memory(store=migrated, embedder=embedder)
        assert again.get_all(user_id="u")["results"] == before
        assert again.search("Alice Smith", user_id="u")["results"]
        acme = again.for_tenant("acme")
        acme.add_triples([("Alice Smith", "MET", "Bob Jones")], user_id="u")  # the old key would refuse this
        assert not {r["id"] for r in acme.get_all(user_id="u")["results"]} & {r["id"] for r in before}
        assert len(store.list_entities(ACME)) == 2 and len(store.list_entities(LIBRARY)) >= 2
    finally:
        migrated.close()


def test_the_full_text_query_carries_a_tenant_but_not_the_librarys() -> None:
    assert NEO4J.fulltext_query("memory", ["tea"], ACME) == '(text:("tea")) AND user_id:"u"^0 AND tenant:"acme"^0'
    assert NEO4J.fulltext_query("memory", ["tea"], LIBRARY) == '(text:("tea")) AND user_id:"u"^0'
    quoted = NEO4J.fulltext_query("entity", ["tea"], Scope(agent_id="a", tenant='x"y'))
    assert quoted.endswith('agent_id:"a"^0 AND tenant:"x\\"y"^0')
