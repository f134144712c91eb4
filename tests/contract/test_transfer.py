"""Contract: ``export`` → ``import_`` gives back exactly what was stored (issue 10, point 7): triples stay
structured (fact, types, ``valid_at``), names with separators, newlines, quotes or any unicode come back unchanged,
and every record keeps its time, so ``as_of`` answers the same after an import."""

from __future__ import annotations

from typing import Any

import pytest

from graphmem import Memory
from graphmem.models import Episode, Message, Scope, utcnow

NAMES = [
    "Acme | Widgets",  # the old text form's separator
    "two\nlines",
    "say \"hi\" and 'bye'",
    "back\\slash\ttab",
    "Zoë Ångström",
    "東京タワー",
    "مرحبا",
    "e\u0301 combining",
    "👩‍💻 dev",
    "zero\u200bwidth",
    "  padded  ",
    "[bracketed] {json}",
]


def _tricky_triples() -> list[Any]:
    rows: list[Any] = [(name, "KNOWS", f"friend of {name}") for name in NAMES]
    rows.append({"source": "Ada | Countess", "relationship": "worked with", "destination": "Babbage\nCharles",
                 "fact": "Ada worked with Babbage | on the engine", "source_type": "Person",
                 "destination_type": "Person", "valid_at": "1843-07-01T00:00:00+00:00"})  # fmt: skip
    return rows


def _answer(memory: Memory, query: str, **kwargs: Any) -> dict[str, Any]:
    found = memory.search(query, user_id="u", **kwargs)
    return {"results": found["results"], "relations": found["relations"]}


@pytest.mark.in_process("compares the store's entities")
def test_export_import_export_gives_identical_records_and_the_same_past(memory: Memory) -> None:
    memory.add("Alice lives in Paris.", user_id="u", metadata={"src": "chat"})
    between = utcnow()
    memory.add("Alice lives in Berlin.", user_id="u")
    memory.add("a raw note | with a bar", user_id="u", infer=False)
    memory.add_triples(_tricky_triples(), user_id="u", metadata={"batch": 1})
    exported = memory.export(user_id="u")
    triples = exported[-1]["triples"]
    assert [t["source"] for t in triples] == [*NAMES, "Ada | Countess"]
    assert triples[-1] == {"source": "Ada | Countess", "relationship": "WORKED_WITH", "destination": "Babbage\nCharles",
                           "fact": "Ada worked with Babbage | on the engine", "source_type": "Person",
                           "destination_type": "Person", "valid_at": "1843-07-01T00:00:00+00:00"}  # fmt: skip
    past = _answer(memory, "Where does Alice live?", as_of=between)
    now = _answer(memory, "Where does Alice live?")
    assert "Paris" in str(past["relations"]) and "Berlin" not in str(past["relations"])
    assert "Berlin" in str(now["relations"])
    entities = sorted((e.name, e.type, e.created_at) for e in memory.store.list_entities(Scope(user_id="u")))

    memory.reset()  # a fresh store
    summary = memory.import_(exported)
    assert (summary["episodes"], summary["failed"], summary["errors"]) == (4, 0, [])
    assert memory.export(user_id="u") == exported
    assert _answer(memory, "Where does Alice live?", as_of=between) == past
    assert _answer(memory, "Where does Alice live?") == now
    assert sorted((e.name, e.type, e.created_at) for e in memory.store.list_entities(Scope(user_id="u"))) == entities

    again = memory.import_(exported)  # the same export twice: every episode is already there
    assert (again["episodes"], again["skipped"], again["failed"]) == (0, 4, 0)
    assert memory.export(user_id="u") == exported


def test_an_import_without_times_is_dated_now_and_a_bad_time_is_reported(memory: Memory) -> None:
    before = utcnow()
    summary = memory.import_([
        {"triples": [["A | B", "KNOWS", "C"]], "user_id": "u"},
        {"messages": "note", "infer": False, "user_id": "u", "created_at": "yesterday"},
    ])  # fmt: skip
    assert (summary["episodes"], summary["failed"]) == (1, 1)
    assert summary["errors"][0]["line"] == 2 and "created_at" in summary["errors"][0]["error"]
    [record] = memory.export(user_id="u")
    assert record["triples"][0]["source"] == "A | B"
    assert record["created_at"] >= before.isoformat()


@pytest.mark.in_process("writes an old-format episode into the store")
def test_an_episode_stored_as_text_lines_by_an_older_version_still_exports(memory: Memory) -> None:
    lines = Message(role="data", content="Ada | WORKED_WITH | Babbage\nBabbage | DESIGNED | Engine")
    old = Episode(id="old-1", scope=Scope(user_id="u"), source="triples", created_at=utcnow(), status="done",
                  messages=[lines])  # fmt: skip
    memory.store.write_episode(old)
    [record] = memory.export(user_id="u")
    assert record["triples"] == [["Ada", "WORKED_WITH", "Babbage"], ["Babbage", "DESIGNED", "Engine"]]
    memory.reset()
    assert memory.import_([record])["failed"] == 0
    around = memory.neighbors("Babbage", user_id="u")["relations"]
    assert {(r["source"], r["relationship"], r["destination"]) for r in around} == {
        ("Ada", "WORKED_WITH", "Babbage"),
        ("Babbage", "DESIGNED", "Engine"),
    }
