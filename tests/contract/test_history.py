"""Contract: update / delete / delete_all / reset and the history they leave."""

from __future__ import annotations

from datetime import datetime

from graphmem import Memory


def test_update_changes_text_and_embedding_and_history_records_old_and_new(memory: Memory) -> None:
    mid = memory.add([{"role": "user", "content": "I live in Paris", "name": "sam"}], user_id="sam", infer=False)[
        "results"
    ][0]["id"]
    memory.update(mid, "I live in Berlin")
    got = memory.get(mid)
    assert got is not None and got["memory"] == "I live in Berlin" and got["updated_at"] is not None
    assert memory.search("Berlin", user_id="sam")["results"][0]["id"] == mid
    events = memory.history(mid)
    assert [e["event"] for e in events] == ["ADD", "UPDATE"]
    assert events[0]["new_memory"] == "I live in Paris" and events[0]["old_memory"] is None
    assert (events[1]["old_memory"], events[1]["new_memory"]) == ("I live in Paris", "I live in Berlin")
    assert all(e["actor_id"] == "sam" and e["user_id"] == "sam" for e in events)
    times = [datetime.fromisoformat(e["created_at"]) for e in events]
    assert times == sorted(times)


def test_delete_removes_the_memory_and_records_the_event(memory: Memory) -> None:
    mid = memory.add("temporary note", user_id="u", infer=False)["results"][0]["id"]
    assert memory.delete(mid)["id"] == mid
    assert memory.get(mid) is None
    assert memory.get_all(user_id="u")["results"] == []
    assert [e["event"] for e in memory.history(mid)] == ["ADD", "DELETE"]
    assert memory.history(mid)[-1]["old_memory"] == "temporary note"


def test_delete_all_only_touches_its_scope(memory: Memory) -> None:
    memory.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="a")
    memory.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="b")
    memory.add("run one note", user_id="a", run_id="r1", infer=False)
    assert memory.delete_all(user_id="a", run_id="r1")["deleted"] == 1
    assert memory.get_all(user_id="a")["results"]
    gone = memory.delete_all(user_id="a")["deleted"]
    assert gone >= 1
    assert memory.get_all(user_id="a")["results"] == []
    assert memory.to_networkx(user_id="a").number_of_nodes() == 0
    assert memory.export(user_id="a") == []
    assert memory.get_all(user_id="b")["results"]
    assert memory.to_networkx(user_id="b").number_of_edges() >= 3


def test_reset_empties_every_scope(memory: Memory) -> None:
    memory.add("one", user_id="a", infer=False)
    memory.add("two", agent_id="x", infer=False)
    memory.reset()
    assert memory.get_all(user_id="a")["results"] == [] and memory.get_all(agent_id="x")["results"] == []
    assert memory.search("one", user_id="a")["results"] == []
    memory.add("three", user_id="a", infer=False)
    assert [r["memory"] for r in memory.search("three", user_id="a")["results"]] == ["three"]
