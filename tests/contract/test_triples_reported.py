"""Contract: a caller's triples whose content cannot be stored are reported one by one in ``dropped`` and the
others stored (issue 11: names that normalize to nothing used to vanish silently, and one bad type failed the
whole call); too many triples in one call is a ``ValidationError``. Same on every backend."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from graphmem import Memory
from graphmem.errors import ValidationError
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store

BAD = [
    ('"', "KNOWS", "Bob"),
    ("((", "KNOWS", "Bob"),
    ("Ann", "KNOWS", ":"),
    ("N" * 513, "KNOWS", "Bob"),  # limits.max_name_chars is 512
    ("Ann", "R" * 101, "Bob"),  # limits.max_type_chars is 100
    ("Ann", "123", "Bob"),
    ("Ann\ud800", "KNOWS", "Bob"),
    ("Ann", "KNOWS", "Bob\x00"),
    {"source": "Ann", "relationship": "KNOWS", "destination": "Cy", "source_type": "!!!"},
]


def test_bad_triples_are_reported_and_the_good_ones_stored(memory: Memory) -> None:
    good = [("Ann", "KNOWS", "Bob"), ("Bob", "LIKES", "tea")]
    result = memory.add_triples([good[0], *BAD, good[1]], user_id="u")
    added = {(r["source"], r["relationship"], r["destination"]) for r in result["relations"]["added"]}
    assert added == set(good)
    assert [d["index"] for d in result["dropped"]] == list(range(1, len(BAD) + 1))
    assert {d["kind"] for d in result["dropped"]} == {"triple"}
    reasons = [d["reason"] for d in result["dropped"]]
    assert reasons[0].startswith("source:") and reasons[2].startswith("destination:")
    assert "max_name_chars" in reasons[3] and "max_type_chars" in reasons[4] and reasons[5].startswith("relation")
    assert "surrogate" in reasons[6] and reasons[7].startswith("destination:") and "source_type" in reasons[8]
    assert "\ud800" not in repr(result["dropped"])  # shown as U+FFFD: the result stays encodable
    graph = memory.to_networkx(user_id="u")
    assert sorted(n["name"] for n in graph.nodes.values()) == ["Ann", "Bob", "tea"]
    [episode] = memory.export(user_id="u")
    assert len(episode["triples"]) == 2  # the episode keeps what was stored


def test_when_no_triple_can_be_stored_the_first_reason_is_the_error(memory: Memory) -> None:
    with pytest.raises(ValidationError) as info:
        memory.add_triples([('"', "KNOWS", "Bob"), ("Ann", "123", "Bob")], user_id="u")
    assert info.value.field == "triples[0].source"
    assert memory.export(user_id="u") == []


def test_more_than_max_triples_is_refused(make_store: Callable[[], Store], embedder: Embedder) -> None:
    m = Memory({"limits": {"max_triples": 3}}, store=make_store(), embedder=embedder)
    try:
        m.add_triples([("A", "KNOWS", "B")] * 3, user_id="u")
        with pytest.raises(ValidationError) as info:
            m.add_triples([("A", "KNOWS", "B")] * 4, user_id="u")
        assert info.value.field == "triples" and "max_triples" in str(info.value)
        with pytest.raises(ValidationError):  # a generator is counted as it is read
            m.add_triples((("A", "KNOWS", f"B{i}") for i in range(4)), user_id="u")
    finally:
        m.close()
