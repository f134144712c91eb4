"""Contract: latest information wins, history keeps the change, as_of answers what was believed then."""

from __future__ import annotations

import time
from datetime import datetime, timezone

from graphmem import Memory


def test_moving_invalidates_the_old_home_without_deleting_it(memory: Memory) -> None:
    first = memory.add("I live in Paris.", user_id="sam")
    paris_id = first["results"][0]["id"]
    between = datetime.now(timezone.utc)
    time.sleep(0.01)
    moved = memory.add("I moved to Berlin.", user_id="sam")
    assert {(r["id"], r["event"]) for r in moved["results"]} >= {(paris_id, "INVALIDATE")}
    assert [(r["source"], r["relationship"], r["destination"]) for r in moved["relations"]["invalidated"]] == [
        ("sam", "LIVES_IN", "Paris")
    ]
    now = memory.search("Where does sam live?", user_id="sam")
    assert [r["memory"] for r in now["results"]] == ["sam moved to Berlin"]
    assert [(r["relationship"], r["destination"]) for r in now["relations"]] == [("LIVES_IN", "Berlin")]
    then = memory.search("Where does sam live?", user_id="sam", as_of=between)
    assert [r["memory"] for r in then["results"]] == ["sam lives in Paris"]
    assert [(r["relationship"], r["destination"]) for r in then["relations"]] == [("LIVES_IN", "Paris")]
    assert then["relations"][0]["invalid_at"] is not None
    paris = memory.get(paris_id)
    assert paris is not None and paris["expired_at"] and paris["invalid_at"]
    assert [e["event"] for e in memory.history(paris_id)] == ["ADD", "INVALIDATE"]
    assert memory.get_all(user_id="sam")["results"][0]["memory"] == "sam moved to Berlin"
    graph = memory.to_networkx(user_id="sam", include_expired=True)
    assert sorted(d["destination"] for _, _, d in graph.edges(data=True)) == ["Berlin", "Paris"]


def test_moving_back_restores_the_first_home(memory: Memory) -> None:
    memory.add("I live in Paris.", user_id="sam")
    memory.add("I moved to Berlin.", user_id="sam")
    back = memory.add("I moved to Paris.", user_id="sam")
    assert [r["destination"] for r in back["relations"]["invalidated"]] == ["Berlin"]
    assert [
        (r["relationship"], r["destination"])
        for r in memory.search("sam home", user_id="sam")["relations"]
        if r["relationship"] == "LIVES_IN"
    ] == [("LIVES_IN", "Paris")]


def test_non_exclusive_relations_accumulate_without_a_model(memory: Memory) -> None:
    memory.add("I love jazz.", user_id="kim")
    second = memory.add("I love hiking.", user_id="kim")
    assert second["relations"]["invalidated"] == []
    loves = {
        r["destination"]
        for r in memory.search("what does kim love", user_id="kim")["relations"]
        if r["relationship"] == "LOVES"
    }
    assert loves == {"jazz", "hiking"}
