"""Neo4j specifics: scoped vector recall, failures mid-add, idempotent replays, read-only Cypher, errors."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from graphmem import Memory, StoreError, ValidationError
from graphmem.models import Scope
from graphmem.providers.embed import Embedder
from graphmem.stores.neo4j import NEO4J, NEO4J_CALENDAR, Neo4jStore
from tests.neo4j.tcp_proxy import CuttableProxy
from tests.neo4j_server import Neo4jServer

DIM = 384  # all-MiniLM-L6-v2


@pytest.fixture
def store(neo4j_server: Neo4jServer, embedder: Embedder) -> Iterator[Neo4jStore]:
    s = Neo4jStore(neo4j_server.uri, neo4j_server.username, neo4j_server.password, None, embedder.dim)
    s.reset()
    yield s
    s.close()


@pytest.fixture
def proxy(neo4j_server: Neo4jServer) -> Iterator[CuttableProxy]:
    url = urlparse(neo4j_server.uri)
    p = CuttableProxy(url.hostname or "127.0.0.1", url.port or 7687)
    yield p
    p.close()


def _through(proxy: CuttableProxy, server: Neo4jServer, dim: int, retry_seconds: float) -> Neo4jStore:
    return Neo4jStore(f"bolt://127.0.0.1:{proxy.port}", server.username, server.password, None, dim,
                      max_retry_time=retry_seconds)  # fmt: skip


def test_a_connection_cut_mid_add_is_retried_and_leaves_one_copy(
    neo4j_server: Neo4jServer, embedder: Embedder, store: Neo4jStore, proxy: CuttableProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    via_proxy = _through(proxy, neo4j_server, embedder.dim, retry_seconds=30)
    cuts = []
    real_q = via_proxy._q

    def cutting_q(name: str) -> str:
        if name == "plan_write" and not cuts:
            cuts.append(name)
            proxy.kill_all()  # the add's transaction is open; its one statement (the whole plan) is cut off
        return real_q(name)

    monkeypatch.setattr(via_proxy, "_q", cutting_q)
    memory = Memory(store=via_proxy, embedder=embedder)
    result = memory.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="u")
    assert cuts == ["plan_write"]
    direct = Memory(store=store, embedder=embedder)
    assert sorted(r["id"] for r in direct.get_all(user_id="u")["results"]) == sorted(r["id"] for r in result["results"])
    graph = direct.to_networkx(user_id="u")
    assert sorted(d["name"] for _, d in graph.nodes(data=True)) == ["Alice", "Bob", "GraphConf 2025", "San Francisco"]
    assert graph.number_of_edges() == 4
    via_proxy.close()


def test_a_failed_add_transaction_leaves_no_partial_episode_and_a_retry_completes_it(
    neo4j_server: Neo4jServer, embedder: Embedder, store: Neo4jStore, proxy: CuttableProxy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    via_proxy = _through(proxy, neo4j_server, embedder.dim, retry_seconds=1.0)
    real_q = via_proxy._q

    def dying_q(name: str) -> str:
        if name == "plan_write":
            proxy.refuse = True  # the network stays down: retries cannot reconnect
            proxy.kill_all()
        return real_q(name)

    monkeypatch.setattr(via_proxy, "_q", dying_q)
    memory = Memory(store=via_proxy, embedder=embedder)
    with pytest.raises(StoreError):
        memory.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="u")
    monkeypatch.undo()
    direct = Memory(store=store, embedder=embedder)
    assert direct.get_all(user_id="u")["results"] == []
    assert direct.to_networkx(user_id="u").number_of_nodes() == 0
    [episode] = store.list_episodes(Scope(user_id="u"))
    assert episode.status == "pending"
    direct._ingest.process(episode, infer=True, prompt=None)
    direct._ingest.process(episode, infer=True, prompt=None)  # a replay changes nothing
    assert store.get_episode(episode.id).status == "done"  # type: ignore[union-attr]
    assert len(direct.get_all(user_id="u")["results"]) == 1
    assert direct.to_networkx(user_id="u").number_of_edges() == 4
    via_proxy.close()


def test_read_only_cypher_for_notebooks(store: Neo4jStore, embedder: Embedder) -> None:
    memory = Memory(store=store, embedder=embedder)
    memory.add_triples([("Ada", "KNOWS", "Grace"), ("Grace", "WORKS_AT", "Navy")], user_id="u")
    rows = memory.cypher(
        "MATCH (a:Entity {user_id: $user})-[r:RELATES]->(b:Entity) RETURN a.name AS a, r.type AS t, b.name AS b "
        "ORDER BY a, t", {"user": "u"})  # fmt: skip
    assert rows == [{"a": "Ada", "t": "KNOWS", "b": "Grace"}, {"a": "Grace", "t": "WORKS_AT", "b": "Navy"}]
    for writing in ("CREATE (:Entity {name: 'x'})", "MATCH (n) DETACH DELETE n",
                    "MATCH (e:Entity) SET e.name = 'y'"):  # fmt: skip
        with pytest.raises(ValidationError, match="only read queries"):
            memory.cypher(writing)
    with pytest.raises(ValidationError) as info:
        memory.cypher("MATCH (n RETURN n")
    assert info.value.field == "query"
    assert memory.to_networkx(user_id="u").number_of_nodes() == 3


def test_schema_setup_is_idempotent_and_creates_the_indexes(neo4j_server: Neo4jServer, store: Neo4jStore) -> None:
    again = Neo4jStore(neo4j_server.uri, neo4j_server.username, neo4j_server.password, None, DIM)
    with again._driver.session() as session:  # SHOW is refused by run_read_only (Memory.cypher): issue 11
        rows = session.run("SHOW INDEXES YIELD name, type, state RETURN name, type, state").data()
    by_name = {r["name"]: (r["type"], r["state"]) for r in rows}
    # The calendar line's vector indexes filter by scope inside the search: new indexes, the old ones dropped.
    suffix = "_by_scope" if store.dialect is NEO4J_CALENDAR else ""
    for kind in ("memory", "entity", "relation"):
        assert by_name[f"{kind}_embedding{suffix}"] == ("VECTOR", "ONLINE")
        assert f"{kind}_embedding{'' if suffix else '_by_scope'}" not in by_name
    for name in ("memory_text_tenant", "entity_names_tenant"):
        assert by_name[name] == ("FULLTEXT", "ONLINE")
    assert not {"memory_text_scoped", "entity_names_scoped"} & set(by_name)  # replaced: they lack the tenant
    assert by_name["memory_scope"][0] == "RANGE"
    again.close()


def test_unreachable_server_gives_one_clear_error() -> None:
    with pytest.raises(StoreError, match=r"cannot reach Neo4j at bolt://127\.0\.0\.1:1\b"):
        Neo4jStore("bolt://127.0.0.1:1", None, None, None, DIM)
    with pytest.raises(StoreError, match="bad Neo4j URI"):
        Neo4jStore("http//nonsense", None, None, None, DIM)


def test_the_store_speaks_the_dialect_of_the_server_it_reached(store: Neo4jStore) -> None:
    with store._driver.session() as session:  # the server's own answer, not the Bolt agent the store read
        # One row per component on the calendar line (the kernel, Cypher): the kernel's version is the server's.
        found = session.run(
            "CALL dbms.components() YIELD name, versions WHERE name = 'Neo4j Kernel' RETURN versions[0] AS v"
        )
        version = found.single(strict=True)["v"]
    calendar = int(str(version).split(".")[0]) >= 2025  # 2025.x, 2026.x: the calendar release line
    assert store.dialect is (NEO4J_CALENDAR if calendar else NEO4J)
    # The calendar line's vector search filters by scope inside the index (issue 13); the rest is shared.
    assert (store.dialect.query("memory_vector") == NEO4J.query("memory_vector")) is not calendar
    assert store.dialect.query("edge_rows") == NEO4J.query("edge_rows")
