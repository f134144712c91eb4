"""Contract: a model's reply is data, never code (issue 11). Garbage names, types and shapes never make ``add``
raise: each item is normalized or left out and reported in ``dropped``; the episode ends done; the good items are
stored. Through the real openai client against the scripted server, on every backend."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest

from graphmem import Memory
from graphmem.models import Scope
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store
from tests.contract.test_llm_memory import chat_for
from tests.llm_server import LlmServer

LONG_NAME = "N" * 10_000
LONG_TYPE = "R" * 200


@pytest.fixture
def model_memory(make_store: Callable[[], Store], embedder: Embedder, llm_server: LlmServer) -> Iterator[Memory]:
    m = Memory({"limits": {"max_extracted": 20}}, store=make_store(), embedder=embedder, chat=chat_for(llm_server))
    yield m
    m.close()


def relation(source: Any, type_: Any, target: Any, fact: Any = "a fact") -> dict[str, Any]:
    return {"source": source, "type": type_, "target": target, "fact": fact}


GARBAGE: dict[str, Any] = {
    "facts": [
        {"text": "Dana works at Initech", "entities": ["Dana", "Initech", 7, LONG_NAME], "message_index": "zero"},
        {"text": "\x00\x01\ud800"},  # nothing left once cleaned
        {"text": 42},  # wrong JSON type
        "Dana\x00 likes tea\ud800",  # a bare string: the fact's text, cleaned
    ],
    "entities": [
        {"name": "Dana", "type": "Person"},
        {"name": "Initech", "type": "123"},  # no label: Entity
        {"name": "Acme", "type": LONG_TYPE},  # too long: Entity
        {"name": "!!!", "type": "Thing"},
        {"name": "_", "type": "Thing"},
        {"name": "", "type": "Thing"},
        {"name": LONG_NAME},
        {"name": "Bad\ud800Name\x00"},  # cleaned to "Bad Name"
        {"name": None},
        ["not", "an", "object"],
    ],
    "relations": [
        relation("Dana", "WORKS_AT", "Initech", "Dana works at Initech"),
        relation("Dana", "123", "Initech"),
        relation("Dana", "!!!", "Initech"),
        relation("Dana", "_", "Initech"),
        relation("Dana", "", "Initech"),
        relation("Dana", LONG_TYPE, "Initech"),
        relation("Dana", "KNOWS", LONG_NAME),
        relation("Dana", "KNOWS", "Dana"),  # both ends the same entity
        relation("Dana", "KNOWS", "((", "x"),
        relation("Dana", "KNOWS", "Zed", "Dana knows Zed"),  # a dangling end: becomes an entity
        relation(1, "KNOWS", "Zed"),
        {"source": "Dana", "type": "LIKES"},
        "Dana likes tea",
    ],
    "speaker": 5,
}


def dropped_kinds(result: dict[str, Any]) -> list[tuple[str, int | None]]:
    return [(d["kind"], d["index"]) for d in result["dropped"]]


def test_garbage_reply_is_normalized_or_reported_never_raised(model_memory: Memory, llm_server: LlmServer) -> None:
    llm_server.script_chat(GARBAGE)
    result = model_memory.add("Dana works at Initech.", user_id="u")
    assert "error" not in result
    assert result["usage"]["llm_calls"] == 1  # no repair call spent on a few bad items
    added = {(r["source"], r["relationship"], r["destination"]) for r in result["relations"]["added"]}
    assert added == {("Dana", "WORKS_AT", "Initech"), ("Dana", "KNOWS", "Zed")}
    assert sorted(m["memory"] for m in result["results"]) == ["Dana likes tea", "Dana works at Initech"]
    assert sorted(dropped_kinds(result), key=str) == sorted(
        [("fact", 1), ("fact", 2), ("entity", 3), ("entity", 4), ("entity", 5), ("entity", 6), ("entity", 8),
         ("entity", 9)] + [("relation", i) for i in (1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12)], key=str,
    )  # fmt: skip
    assert all(d["reason"] for d in result["dropped"])
    reasons = {(d["kind"], d["index"]): d["reason"] for d in result["dropped"]}
    assert "max_name_chars" in reasons[("entity", 6)] and "same entity" in reasons[("relation", 7)]
    assert "max_type_chars" in reasons[("relation", 5)]
    assert len(reasons[("entity", 6)]) < 400 and len(str(result["dropped"])) < 20_000  # long items shown cut
    entities = {e["name"]: e for e in model_memory.to_networkx(user_id="u").nodes.values()}
    assert {"Dana", "Initech", "Zed"} <= set(entities)
    stored = model_memory.store.find_entities(Scope(user_id="u"), ["initech", "acme", "bad name"])
    assert {k: e.type for k, e in stored.items()} == {"initech": "Entity", "acme": "Entity", "bad name": "Entity"}
    assert [e.status for e in model_memory.store.list_episodes(Scope(user_id="u"))] == ["done"]


def test_a_reply_of_the_wrong_shape_ends_the_episode_failed_and_retryable(
    model_memory: Memory, llm_server: LlmServer
) -> None:
    llm_server.script_chat("not json at all", "still not json")  # the reply and its one repair
    result = model_memory.add("Dana works at Initech.", user_id="u")
    assert "extraction failed" in result["error"]
    llm_server.script_chat({"facts": [{"text": "Dana works at Initech"}], "entities": [], "relations": []})
    retried = model_memory.retry_failed(stale_after=timedelta(0))
    assert (retried["retried"], retried["succeeded"]) == (1, 1)


def test_at_most_max_extracted_items_are_taken_from_one_reply(model_memory: Memory, llm_server: LlmServer) -> None:
    reply = {
        "facts": [{"text": f"Fact number {i}", "entities": []} for i in range(50)],
        "entities": [{"name": f"Thing {i}", "type": "Entity"} for i in range(30)],
        "relations": [relation(f"Thing {i}", "KNOWS", f"Thing {i + 1}") for i in range(25)],
    }
    llm_server.script_chat(reply)
    result = model_memory.add("Many facts.", user_id="u")
    assert len(result["results"]) == 20 and len(result["relations"]["added"]) == 20  # limits.max_extracted: 20
    assert sorted(dropped_kinds(result)) == [("entity", 20), ("fact", 20), ("relation", 20)]
    assert "30 facts" in next(d["reason"] for d in result["dropped"] if d["kind"] == "fact")


def test_a_clean_reply_reports_nothing_dropped(model_memory: Memory, llm_server: LlmServer) -> None:
    llm_server.script_chat({"facts": [{"text": "Dana works at Initech", "entities": ["Dana", "Initech"]}],
                            "entities": [], "relations": [relation("Dana", "works at", "Initech")]})  # fmt: skip
    result = model_memory.add("Dana works at Initech.", user_id="u")
    assert "dropped" not in result
    assert [r["relationship"] for r in result["relations"]["added"]] == ["WORKS_AT"]
