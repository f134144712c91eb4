"""Contract: the graph lane walks hub entities cheaply on every backend (issue 13). It reads light rows
(``store.edge_rows``), at most ``fanout`` per entity, taking a hub's edges of the types the query asks about first,
and builds full relation records only for the relations a search reports. Counted through a wrapper store (rows
and records read), never timed."""

from __future__ import annotations

import time
from typing import Any, cast

import pytest

from graphmem import Memory
from graphmem.models import Scope, normalize_name
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Edge, Store
from tests.counting import CountingStore

pytestmark = pytest.mark.in_process("counts the rows and records a search reads (CountingStore)")

SCOPE = Scope(user_id="h")
FILMS = 600  # a genre hub: many times the fanout
FANOUT = 20


def _id(memory: Memory, name: str) -> str:
    [found] = memory.store.entities_named(SCOPE, [normalize_name(name)])
    return found.id


def test_edge_rows_are_the_newest_edges_unless_a_type_is_preferred(memory: Memory) -> None:
    memory.add_triples([("Studio", "FOUNDED_BY", f"Founder {i}") for i in range(3)], user_id="h")
    time.sleep(0.01)
    memory.add_triples([("Studio", "PRODUCED", f"Film {i}") for i in range(30)], user_id="h")
    studio = _id(memory, "Studio")
    newest = memory.store.edge_rows(SCOPE, [studio], 5)
    assert all(isinstance(e, Edge) for e in newest)
    assert [e.id for e in newest] == [r.id for r in memory.store.edges(SCOPE, [studio], 5)]  # same cap, same order
    assert {e.type for e in newest} == {"PRODUCED"}
    assert {(e.source, e.memory_ids) for e in newest} == {("Studio", ())}
    # A preferred type is taken first although older, the highest weight first; a weight at or below 0 is no
    # preference.
    for prefer in ({"FOUNDED_BY": 0.8}, {"FOUNDED_BY": 0.3, "PRODUCED": 0.1}, {"FOUNDED_BY": 0.1, "OTHER": 0.9}):
        chosen = memory.store.edge_rows(SCOPE, [studio], 5, prefer=prefer)
        assert sorted(e.type for e in chosen) == ["FOUNDED_BY"] * 3 + ["PRODUCED"] * 2, prefer
    for prefer, first in (
        ({"PRODUCED": 0.2, "FOUNDED_BY": 0.9}, "FOUNDED_BY"),
        ({"PRODUCED": 0.9, "FOUNDED_BY": 0.2}, "PRODUCED"),
    ):
        assert {e.type for e in memory.store.edge_rows(SCOPE, [studio], 2, prefer=prefer)} == {first}
    assert [e.id for e in memory.store.edge_rows(SCOPE, [studio], 5, prefer={"FOUNDED_BY": -1.0})] == [
        e.id for e in newest
    ]
    assert len(memory.store.edge_rows(SCOPE, [studio], 50, prefer={"FOUNDED_BY": 1.0})) == 33


def test_a_search_through_a_hub_reads_at_most_fanout_rows_per_entity_and_few_records(
    make_store: Any, embedder: Embedder
) -> None:
    m = Memory({"search": {"max_hops": 3, "fanout": FANOUT}}, store=make_store(), embedder=embedder)
    try:
        m.add_triples([(f"Film {i}", "HAS_GENRE", "Drama") for i in range(FILMS)], user_id="h")
        m.add_triples([("Heat", "HAS_GENRE", "Drama"), ("Heat", "DIRECTED_BY", "Michael Mann")], user_id="h")
        counting = CountingStore(cast(Store, m.store))
        m.store = cast(Any, counting)
        try:
            found = m.search("Which films share a genre with Heat?", user_id="h")
        finally:
            m.store = counting.inner
        assert found["relations"], "the walk reaches the hub's films"
        walked = counting.calls[("edge_rows", None)]
        assert 1 <= walked <= 3
        # Every call reads at most FANOUT rows per entity it expands, and the hub gives FANOUT of its 601 edges: the
        # whole search reads far fewer rows than the hub holds, and builds records only for what it may report.
        assert counting.rows["edge_rows"] <= 2 + FANOUT + FANOUT * FANOUT
        assert counting.rows["edge_rows"] < FILMS
        # Full records: none while walking (the old walk built one per relation met, ~40 here), then only the
        # walk's best ``relation_limit`` and the fact search's (at most ``relation_limit``).
        records = counting.rows["edges"] + counting.rows["get_relations"]
        assert records <= 2 * m.config.search.relation_limit
    finally:
        m.close()


def test_edge_rows_show_every_write_since_the_last_read(make_store: Any, embedder: Embedder) -> None:
    """The embedded store keeps the edges it read (``stores/edge_cache.py``); no write, its own or another
    connection's, may leave a read behind."""
    reader = Memory(store=make_store(), embedder=embedder)
    writer = Memory(store=make_store(), embedder=embedder)  # the same database through another connection
    try:
        reader.add_triples([("Studio", "PRODUCED", f"Film {i}") for i in range(3)], user_id="h")
        studio = _id(reader, "Studio")
        assert len(reader.store.edge_rows(SCOPE, [studio], 10)) == 3
        writer.add_triples([("Studio", "PRODUCED", "Film 3")], user_id="h")
        assert {e.target for e in reader.store.edge_rows(SCOPE, [studio], 10)} == {f"Film {i}" for i in range(4)}
        time.sleep(0.01)
        reader.add_triples([("Film 4", "PRODUCED_BY", "Studio")], user_id="h")  # the reader's own write, inbound
        assert {e.source for e in reader.store.edge_rows(SCOPE, [studio], 10)} == {"Studio", "Film 4"}
        assert [e.source for e in reader.store.edge_rows(SCOPE, [studio], 1)] == ["Film 4"]  # still the newest
        film = _id(reader, "Film 3")
        assert [e.target for e in reader.store.edge_rows(SCOPE, [film, studio], 10) if e.source == "Film 4"] == [
            "Studio"
        ]
        writer.delete_all(user_id="h")
        assert reader.store.edge_rows(SCOPE, [studio, film], 10) == []
    finally:
        writer.close()
