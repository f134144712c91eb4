"""Contract: bulk loading with add_triples (chunked loads, re-adds, atomicity, the raw input kept)."""

from __future__ import annotations

from typing import Any

import pytest

from graphmem import Memory
from graphmem.models import RelationRecord, Scope
from graphmem.providers.embed import Embedder
from graphmem.stores import embedded as embedded_module
from graphmem.stores.cypher import write_params as cypher_params
from graphmem.stores.embedded import EmbeddedStore
from graphmem.stores.graph_backed import GraphBacked
from tests.counting import CountingEmbedder
from tests.dict_graph import DictGraph


def _edges(memory: Memory, user_id: str) -> set[tuple[str, str, str]]:
    graph = memory.to_networkx(user_id=user_id)
    names = {node: data["name"] for node, data in graph.nodes(data=True)}
    return {(names[a], data["type"], names[b]) for a, b, data in graph.edges(data=True)}


def test_chunks_that_repeat_entities_merge_them_by_exact_name(memory: Memory) -> None:
    memory.add_triples([("Alice", "KNOWS", "Bob"), ("Bob", "WORKS_AT", "Acme Corp")], user_id="kb")
    second = memory.add_triples(
        [("alice", "likes", "Carol"), ("  Bob ", "KNOWS", "Dave"), ("ACME CORP", "LOCATED_IN", "Berlin")], user_id="kb"
    )
    assert len(second["relations"]["added"]) == 3
    graph = memory.to_networkx(user_id="kb")
    names = sorted(d["name"] for _, d in graph.nodes(data=True))
    assert names == ["Acme Corp", "Alice", "Berlin", "Bob", "Carol", "Dave"]
    assert _edges(memory, "kb") == {
        ("Alice", "KNOWS", "Bob"),
        ("Bob", "WORKS_AT", "Acme Corp"),
        ("Alice", "LIKES", "Carol"),
        ("Bob", "KNOWS", "Dave"),
        ("Acme Corp", "LOCATED_IN", "Berlin"),
    }
    # Another scope's load never merges into this one.
    memory.add_triples([("Alice", "KNOWS", "Bob")], user_id="other")
    assert memory.to_networkx(user_id="kb").number_of_nodes() == 6


@pytest.mark.in_process("reads the stored relation's provenance and the episodes")
def test_re_adding_the_same_triples_writes_nothing_new_but_keeps_the_episode(memory: Memory) -> None:
    triples = [(f"Movie {i}", "DIRECTED_BY", f"Director {i % 7}") for i in range(600)]  # over one lookup batch
    first = memory.add_triples(triples, user_id="kb")
    nodes, edges = memory.to_networkx(user_id="kb").number_of_nodes(), len(_edges(memory, "kb"))
    again = memory.add_triples(list(reversed(triples)), user_id="kb")
    assert again["relations"]["added"] == []
    graph = memory.to_networkx(user_id="kb")
    assert (graph.number_of_nodes(), graph.number_of_edges()) == (nodes, edges) == (607, 600)
    relation = next(r for r in memory.store.list_relations(Scope(user_id="kb")) if r.source == "Movie 5")
    assert relation.provenance.episode_ids == [first["episode_id"], again["episode_id"]]
    episodes = memory.store.list_episodes(Scope(user_id="kb"))
    assert {e.id for e in episodes} == {first["episode_id"], again["episode_id"]}
    assert all(e.status == "done" for e in episodes)


@pytest.mark.in_process("reads the stored episode (memory.store)")
def test_the_episode_keeps_the_triples_as_data_and_exports_them(memory: Memory) -> None:
    triples = [("Ada Lovelace", "WORKED_WITH", "Charles Babbage"), ("Charles Babbage", "designed", "Analytical Engine")]
    loaded = memory.add_triples(triples, user_id="u")
    episode = memory.store.get_episode(loaded["episode_id"])
    assert episode is not None and episode.source == "triples"
    expected = [
        {"source": "Ada Lovelace", "relationship": "WORKED_WITH", "destination": "Charles Babbage",
         "fact": "Ada Lovelace worked with Charles Babbage"},
        {"source": "Charles Babbage", "relationship": "DESIGNED", "destination": "Analytical Engine",
         "fact": "Charles Babbage designed Analytical Engine"},
    ]  # fmt: skip
    assert episode.triples() == expected
    [record] = memory.export(user_id="u")
    assert record["triples"] == expected
    edges = _edges(memory, "u")
    memory.delete_all(user_id="u")
    assert memory.import_([record])["failed"] == 0
    assert _edges(memory, "u") == edges


@pytest.mark.in_process("patches the store's write to fail mid-transaction")
def test_a_failed_add_triples_transaction_writes_nothing_at_all(
    memory: Memory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan's last part (relations, after entities) fails inside the database: nothing stays behind, not even
    the episode (add_triples writes it in the same transaction; the caller still has the input and the error)."""
    memory.add_triples([("Alice", "KNOWS", "Bob")], user_id="kb")
    before = (memory.to_networkx(user_id="kb").number_of_nodes(), len(memory.store.list_episodes(Scope(user_id="kb"))))
    if isinstance(memory.store, EmbeddedStore):
        real_row = embedded_module._relation_row

        def bad_row(r: Any, embedding: Any) -> dict[str, Any]:
            return {**real_row(r, embedding), "type": object()}  # cannot be bound: the insert fails mid-transaction

        monkeypatch.setattr(embedded_module, "_relation_row", bad_row)
    elif isinstance(memory.store, GraphBacked):
        real_put = DictGraph._put

        def bad_put(table: dict[str, Any], record: Any) -> None:
            if isinstance(record, RelationRecord):
                raise RuntimeError("the relation write failed")  # after the episode and the entities
            real_put(table, record)

        monkeypatch.setattr(DictGraph, "_put", staticmethod(bad_put))
    else:
        real_write_row = cypher_params._relation_write_row

        def bad_write_row(r: Any, v: Any) -> dict[str, Any]:
            row = real_write_row(r, v)
            return {**row, "props": {**row["props"], "type": {"not": "a property value"}}}

        monkeypatch.setattr(cypher_params, "_relation_write_row", bad_write_row)
    with pytest.raises(Exception):  # noqa: B017 - each backend raises its own database error
        memory.add_triples([("Carol", "KNOWS", "Dave"), ("Alice", "KNOWS", "Erin")], user_id="kb")
    monkeypatch.undo()
    graph = memory.to_networkx(user_id="kb")
    after = (graph.number_of_nodes(), len(memory.store.list_episodes(Scope(user_id="kb"))))
    assert after == before and sorted(d["name"] for _, d in graph.nodes(data=True)) == ["Alice", "Bob"]
    retried = memory.add_triples([("Carol", "KNOWS", "Dave"), ("Alice", "KNOWS", "Erin")], user_id="kb")
    assert len(retried["relations"]["added"]) == 2
    assert memory.to_networkx(user_id="kb").number_of_nodes() == 5


def test_each_distinct_text_is_embedded_once_not_once_per_triple(make_store: Any, embedder: Embedder) -> None:
    counting = CountingEmbedder(embedder)
    memory = Memory(store=make_store(), embedder=counting)
    triples = [(f"Movie {i}", rel, f"Person {i % 3}") for i in range(20) for rel in ("DIRECTED_BY", "WRITTEN_BY")]
    memory.add_triples(triples, user_id="kb")
    assert sorted(counting.texts) == sorted(
        [f"Movie {i}" for i in range(20)] + [f"Person {i}" for i in range(3)] + ["directed by", "written by"]
    )
    counting.texts.clear()
    memory.add_triples([("Movie 1", "DIRECTED_BY", "Person 9"), ("Movie 99", "WRITTEN_BY", "Person 0")], user_id="kb")
    assert sorted(counting.texts) == ["Movie 99", "Person 9"]  # known entities and type phrases: not again
    stored = memory.store.list_relations(Scope(user_id="kb"))
    assert len(stored) == 42 and all(r.fact for r in stored)
    memory.close()
