"""Contract: no read ever shows one scope's data to another; entities of different users never merge."""

from __future__ import annotations

import pytest

from graphmem import Memory, NotFoundError

STORY = "Alice met Bob at GraphConf 2025 in San Francisco."


@pytest.fixture
def two_users(memory: Memory) -> dict[str, dict[str, object]]:
    a = memory.add(STORY, user_id="ann")
    memory.add("Ann's secret recipe uses saffron", user_id="ann", infer=False, metadata={"secret": True})
    memory.add_triples([("Alice", "KNOWS", "Carol")], user_id="ann")
    b = memory.add(STORY, user_id="ben")
    return {"ann": a, "ben": b}


def test_same_text_in_two_scopes_gives_separate_memories_and_entities(memory: Memory, two_users: dict) -> None:
    ann_ids = {r["id"] for r in two_users["ann"]["results"]}
    ben_ids = {r["id"] for r in two_users["ben"]["results"]}
    assert ann_ids.isdisjoint(ben_ids)
    ann_nodes = set(memory.to_networkx(user_id="ann").nodes)
    ben_nodes = set(memory.to_networkx(user_id="ben").nodes)
    assert ann_nodes.isdisjoint(ben_nodes)
    assert {memory.to_networkx(user_id="ben").nodes[n]["name"] for n in ben_nodes} == {
        "Alice",
        "Bob",
        "GraphConf 2025",
        "San Francisco",
    }


def test_no_read_crosses_scopes(memory: Memory, two_users: dict) -> None:
    ben_memories = {r["id"] for r in two_users["ben"]["results"]}
    found = memory.search("saffron secret recipe Carol Alice", user_id="ben", limit=50)
    assert {r["id"] for r in found["results"]} <= ben_memories
    assert all(r["user_id"] == "ben" for r in found["results"])
    assert all(r["destination"] != "Carol" for r in found["relations"])
    assert all(
        ep in {two_users["ben"]["episode_id"]} for r in found["relations"] for ep in r["provenance"]["episode_ids"]
    )
    assert {r["id"] for r in memory.get_all(user_id="ben")["results"]} == ben_memories
    assert memory.search("saffron", user_id="ben", filters={"secret": True})["results"] == []
    assert "Carol" not in {r["destination"] for r in memory.neighbors("Alice", user_id="ben", hops=3)["relations"]}
    with pytest.raises(NotFoundError):
        memory.paths("Alice", "Carol", user_id="ben")
    with pytest.raises(NotFoundError):
        memory.neighbors("Carol", user_id="ben")
    ann_memory = next(iter(two_users["ann"]["results"]))["id"]
    assert memory.history(ann_memory, user_id="ben") == []
    assert memory.get(ann_memory, user_id="ben") is None
    assert all(e.get("user_id") == "ben" for e in memory.export(user_id="ben"))


def test_agent_and_run_scopes_narrow_reads(memory: Memory) -> None:
    memory.add("deploy window is friday", user_id="u", agent_id="ops", run_id="r1", infer=False)
    memory.add("deploy window is monday", user_id="u", agent_id="ops", run_id="r2", infer=False)
    memory.add("deploy window is sunday", user_id="u", agent_id="dev", infer=False)

    def texts(**scope: str) -> set[str]:
        return {r["memory"] for r in memory.search("deploy window", limit=10, **scope)["results"]}

    assert texts(user_id="u") == {"deploy window is friday", "deploy window is monday", "deploy window is sunday"}
    assert texts(user_id="u", agent_id="ops") == {"deploy window is friday", "deploy window is monday"}
    assert texts(run_id="r2") == {"deploy window is monday"}
    assert texts(agent_id="dev") == {"deploy window is sunday"}
    assert texts(user_id="someone-else") == set()
