"""Contract: add_triples, neighbors, paths (with provenance), to_networkx, entity merging."""

from __future__ import annotations

import pytest

from graphmem import Memory, NotFoundError

DEAL = [
    ("Acme Corp", "SIGNED", "Contract 42"),
    ("Globex", "SIGNED", "Contract 42"),
    ("Jane Doe", "WORKS_AT", "Globex"),
    ("Jane Doe", "REPORTS_TO", "Hank Scorpio"),
    {
        "source": "Hank Scorpio",
        "relationship": "owns",
        "destination": "Globex",
        "fact": "Hank owns Globex",
        "source_type": "Person",
        "destination_type": "Organization",
    },
]


def test_add_triples_writes_relations_and_merges_entities_by_name(memory: Memory) -> None:
    result = memory.add_triples(DEAL, user_id="c")
    assert len(result["relations"]["added"]) == 5
    graph = memory.to_networkx(user_id="c")
    names = sorted(data["name"] for _, data in graph.nodes(data=True))
    assert names == ["Acme Corp", "Contract 42", "Globex", "Hank Scorpio", "Jane Doe"]
    again = memory.add_triples([("jane doe", "works at", "GLOBEX")], user_id="c")
    assert again["relations"]["added"] == []
    assert memory.to_networkx(user_id="c").number_of_edges() == 5


def test_neighbors_by_hops(memory: Memory) -> None:
    memory.add_triples(DEAL, user_id="c")
    one = memory.neighbors("Jane Doe", user_id="c")
    assert {(r["source"], r["relationship"], r["destination"]) for r in one["relations"]} == {
        ("Jane Doe", "WORKS_AT", "Globex"),
        ("Jane Doe", "REPORTS_TO", "Hank Scorpio"),
    }
    two = memory.neighbors("jane doe", user_id="c", hops=2)
    assert {r["relationship"] for r in two["relations"] if r["hops"] == 2} == {"SIGNED", "OWNS"}
    assert {(r["source"], r["destination"]) for r in two["relations"] if r["hops"] == 2} == {
        ("Globex", "Contract 42"),
        ("Hank Scorpio", "Globex"),
    }
    with pytest.raises(NotFoundError):
        memory.neighbors("Nobody", user_id="c")


def test_paths_between_two_entities_carry_episode_provenance(memory: Memory) -> None:
    loaded = memory.add_triples(DEAL, user_id="c")
    paths = memory.paths("Acme Corp", "Jane Doe", user_id="c", max_hops=3)
    assert [p["length"] for p in paths] == [3]
    hops = [(h["source"], h["relationship"], h["destination"]) for h in paths[0]["hops"]]
    assert hops == [
        ("Acme Corp", "SIGNED", "Contract 42"),
        ("Globex", "SIGNED", "Contract 42"),
        ("Jane Doe", "WORKS_AT", "Globex"),
    ]
    for hop in paths[0]["hops"]:
        assert [e["id"] for e in hop["episodes"]] == [loaded["episode_id"]]
        assert hop["provenance"]["episode_ids"] == [loaded["episode_id"]]
        assert "Jane Doe -WORKS_AT-> Globex" in hop["episodes"][0]["excerpt"]  # the load, read as triples
    assert memory.paths("Acme Corp", "Jane Doe", user_id="c", max_hops=2) == []
    longer = memory.paths("Contract 42", "Hank Scorpio", user_id="c", max_hops=3)
    assert [p["length"] for p in longer] == [2, 3]


def test_paths_from_conversation_point_to_the_memory_and_episode(memory: Memory) -> None:
    added = memory.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="u1")
    [path] = memory.paths("Bob", "San Francisco", user_id="u1", max_hops=2)
    assert [h["relationship"] for h in path["hops"]] == ["ATTENDED", "LOCATED_IN"]
    episode = path["hops"][0]["episodes"][0]
    assert episode["id"] == added["episode_id"] and "GraphConf 2025" in episode["excerpt"]
    memory_ids = {m["id"] for m in added["results"]}
    assert set(path["hops"][0]["provenance"]["memory_ids"]) <= memory_ids


def test_readme_paths_example_links_two_sentences_through_the_company(memory: Memory) -> None:
    """The README's example: "Corp." ends the first sentence, and "Acme Corp." / "Acme Corp" are one entity."""
    added = memory.add("Jane Doe works at Acme Corp. Acme Corp signed Contract 42.", user_id="alex")
    assert {(r["source"], r["relationship"], r["destination"]) for r in added["relations"]["added"]} == {
        ("Jane Doe", "WORKS_AT", "Acme Corp"),
        ("Acme Corp", "SIGNED", "Contract 42"),
    }
    [path] = memory.paths("Jane Doe", "Contract 42", user_id="alex", max_hops=3)
    hops = [(h["source"], h["relationship"], h["destination"]) for h in path["hops"]]
    assert hops == [("Jane Doe", "WORKS_AT", "Acme Corp"), ("Acme Corp", "SIGNED", "Contract 42")]
    assert all(h["episodes"][0]["id"] == added["episode_id"] for h in path["hops"])


def test_to_networkx_carries_relation_facts_and_types(memory: Memory) -> None:
    memory.add_triples(DEAL, user_id="c")
    graph = memory.to_networkx(user_id="c")
    edges = {(graph.nodes[u]["name"], d["type"], graph.nodes[v]["name"]): d for u, v, d in graph.edges(data=True)}
    assert edges[("Hank Scorpio", "OWNS", "Globex")]["fact"] == "Hank owns Globex"
    types = {data["name"]: data["type"] for _, data in graph.nodes(data=True)}
    assert types["Hank Scorpio"] == "Person" and types["Globex"] == "Organization"
