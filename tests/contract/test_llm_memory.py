"""Contract: Memory with a chat model, through the real openai client against the scripted server.

Call budget, reconciliation (aliases, near misses, latest wins), failure safety and images, on every backend.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from typing import Any

import pytest

from graphmem import Memory
from graphmem.providers.embed import Embedder
from graphmem.providers.openai_chat import OpenAIChat
from graphmem.stores.base import Store
from tests.llm_server import Delay, LlmServer, Raw, Refusal


def chat_for(server: LlmServer, **kw: Any) -> OpenAIChat:
    options: dict[str, Any] = {"api_key": "test-key", "base_url": server.base_url, "backoff": 0.001,
                               "max_backoff": 0.002, "max_retries": 2, "timeout": 5.0} | kw  # fmt: skip
    return OpenAIChat("test-model", **options)


@pytest.fixture
def llm_memory(make_store: Callable[[], Store], embedder: Embedder, llm_server: LlmServer) -> Iterator[Memory]:
    m = Memory(store=make_store(), embedder=embedder, chat=chat_for(llm_server))
    yield m
    m.close()


def extraction(facts: list[tuple[str, list[str]]], entities: list[tuple[str, str]] | None = None,
               relations: list[tuple[str, str, str, str]] | None = None, speaker: str | None = None,
               **relation_times: str) -> dict[str, Any]:  # fmt: skip
    """An extraction reply as a model would send it."""
    return {
        "facts": [{"text": t, "entities": e, "message_index": 0} for t, e in facts],
        "entities": [{"name": n, "type": k, "aliases": []} for n, k in entities or []],
        "relations": [{"source": s, "type": r, "target": t, "fact": f, **relation_times}
                      for s, r, t, f in relations or []],
        "speaker": speaker,
    }  # fmt: skip


def triples(result: dict[str, Any], key: str = "added") -> set[tuple[str, str, str]]:
    return {(r["source"], r["relationship"], r["destination"]) for r in result["relations"][key]}


def test_one_call_when_nothing_conflicts_and_none_on_search(llm_memory: Memory, llm_server: LlmServer) -> None:
    llm_server.script_chat(extraction([("Dana works at Initech", ["Dana", "Initech"])],
                                      [("Dana", "Person"), ("Initech", "Organization")],
                                      [("Dana", "WORKS_AT", "Initech", "Dana works at Initech")]))  # fmt: skip
    result = llm_memory.add("I'm Dana and I work at Initech.", user_id="dana")
    assert result["usage"]["llm_calls"] == 1
    assert (result["usage"]["prompt_tokens"], result["usage"]["completion_tokens"]) == (10, 5)
    assert triples(result) == {("Dana", "WORKS_AT", "Initech")}
    [request] = llm_server.chat_requests
    assert request.body["response_format"]["type"] == "json_schema"
    assert "I'm Dana and I work at Initech." in json.dumps(request.body["messages"])
    found = llm_memory.search("Where does Dana work?", user_id="dana")
    assert found["results"][0]["memory"] == "Dana works at Initech"
    assert len(llm_server.chat_requests) == 1  # the search path never calls the model


def test_custom_prompt_in_config_and_per_add(make_store: Callable[[], Store], embedder: Embedder,
                                             llm_server: LlmServer) -> None:  # fmt: skip
    steer = "extract only customer pain points, budgets, decision makers"
    m = Memory({"custom_prompt": steer}, store=make_store(), embedder=embedder, chat=chat_for(llm_server))
    llm_server.script_chat(extraction([("Budget is 50k", [])]), extraction([("Pain: slow exports", [])]))
    m.add("Our budget is 50k.", user_id="acct")
    m.add("Exports are slow.", user_id="acct", prompt="only pain points")
    first, second = (r.body["messages"][0]["content"] for r in llm_server.chat_requests)
    assert steer in first and "only pain points" in second and steer not in second


def test_moved_to_berlin_invalidates_paris_and_as_of_still_sees_it(llm_memory: Memory, llm_server: LlmServer) -> None:
    llm_server.script_chat(
        extraction([("Sam lives in Paris", ["Sam", "Paris"])], [("Sam", "Person"), ("Paris", "Location")],
                   [("Sam", "LIVES_IN", "Paris", "Sam lives in Paris")], speaker="Sam"),
        extraction([("Sam moved to Berlin", ["Sam", "Berlin"])], [("Sam", "Person"), ("Berlin", "Location")],
                   [("Sam", "LIVES_IN", "Berlin", "Sam moved to Berlin")], speaker="Sam"),
    )  # fmt: skip
    paris = llm_memory.add("I'm Sam, I live in Paris.", user_id="u-sam")
    before = datetime.now(timezone.utc)
    time.sleep(0.01)
    moved = llm_memory.add("I moved to Berlin.", user_id="u-sam")
    assert moved["usage"]["llm_calls"] == 1  # decided deterministically: LIVES_IN is exclusive
    assert triples(moved, "invalidated") == {("Sam", "LIVES_IN", "Paris")}
    assert {(r["id"], r["event"]) for r in moved["results"]} >= {(paris["results"][0]["id"], "INVALIDATE")}
    now = llm_memory.search("Where does Sam live?", user_id="u-sam")
    assert [r["memory"] for r in now["results"]] == ["Sam moved to Berlin"]
    then = llm_memory.search("Where does Sam live?", user_id="u-sam", as_of=before)
    assert [r["memory"] for r in then["results"]] == ["Sam lives in Paris"]
    assert [e["event"] for e in llm_memory.history(paris["results"][0]["id"])] == ["ADD", "INVALIDATE"]


def _entity_ids(m: Memory, user: str) -> dict[str, str]:
    graph = m.to_networkx(user_id=user)
    return {data["name"]: node for node, data in graph.nodes(data=True)}


def test_aliases_and_near_misses_are_resolved_in_scope(llm_memory: Memory, llm_server: LlmServer) -> None:
    first = extraction(
        [("Robert Smith works at Acme Corporation", ["Robert Smith", "Acme Corporation"])],
        [("Robert Smith", "Person"), ("Acme Corporation", "Organization")],
        [("Robert Smith", "WORKS_AT", "Acme Corporation", "Robert Smith works at Acme Corporation")],
    )
    for user in ("other", "u"):  # another user with the same people first: never a candidate for u
        llm_server.script_chat(first)
        llm_memory.add("Robert Smith works at Acme Corporation.", user_id=user)
    robert = _entity_ids(llm_memory, "u")["Robert Smith"]
    second = extraction([("Bob Smith manages Bobby Tables", ["Bob Smith", "Bobby Tables"])],
                        [("Bob Smith", "Person"), ("Bobby Tables", "Person"), ("Acme Corp", "Organization")],
                        [("Bob Smith", "MANAGES", "Bobby Tables", "Bob Smith manages Bobby Tables"),
                         ("Bob Smith", "WORKS_AT", "Acme Corp", "Bob Smith works at Acme Corp")])  # fmt: skip
    second["entities"][0]["aliases"] = ["Bob"]
    llm_server.script_chat(second, {"facts": [], "relations": [], "entities": [{"entity": 0, "same_as": robert}]})
    result = llm_memory.add("Bob manages Bobby Tables.", user_id="u")
    assert result["usage"]["llm_calls"] == 2
    question = json.loads(llm_server.chat_requests[-1].body["messages"][-1]["content"])
    assert [(e["name"], [c["id"] for c in e["candidates"]]) for e in question["new_entities"]] == [
        ("Bob Smith", [robert])
    ]  # "Acme Corp" merged without asking; "Bobby Tables" is no near miss
    ids = _entity_ids(llm_memory, "u")
    assert sorted(ids) == ["Acme Corporation", "Bobby Tables", "Robert Smith"]
    graph = llm_memory.to_networkx(user_id="u")
    names = {(graph.nodes[a]["name"], d["type"], graph.nodes[b]["name"]) for a, b, d in graph.edges(data=True)}
    assert names == {("Robert Smith", "WORKS_AT", "Acme Corporation"), ("Robert Smith", "MANAGES", "Bobby Tables")}
    assert {"Bob Smith", "Bob"} <= set(graph.nodes[robert]["aliases"])
    assert sorted(_entity_ids(llm_memory, "other")) == ["Acme Corporation", "Robert Smith"]
    assert _entity_ids(llm_memory, "other")["Robert Smith"] != robert


def test_a_contradicting_fact_is_invalidated_by_the_reconciliation_call(
    llm_memory: Memory, llm_server: LlmServer
) -> None:
    llm_server.script_chat(extraction([("Kim's favourite drink is green tea", ["Kim"])], [("Kim", "Person")]))
    old = llm_memory.add("My favourite drink is green tea.", user_id="kim")["results"][0]["id"]
    llm_server.script_chat(
        extraction([("Kim's favourite drink is black coffee", ["Kim"])], [("Kim", "Person")]),
        {"facts": [{"fact": 0, "action": "INVALIDATE", "target_id": old}], "relations": [], "entities": []},
    )
    result = llm_memory.add("Actually my favourite drink is black coffee now.", user_id="kim")
    assert result["usage"]["llm_calls"] == 2
    assert sorted(r["event"] for r in result["results"]) == ["ADD", "INVALIDATE"]
    assert [r["memory"] for r in llm_memory.get_all(user_id="kim")["results"]] == [
        "Kim's favourite drink is black coffee"
    ]
    assert [e["event"] for e in llm_memory.history(old)] == ["ADD", "INVALIDATE"]


def test_reconciliation_may_update_a_fact_in_place(llm_memory: Memory, llm_server: LlmServer) -> None:
    llm_server.script_chat(extraction([("Lee plays tennis", ["Lee"])], [("Lee", "Person")]))
    old = llm_memory.add("I play tennis.", user_id="lee")["results"][0]["id"]
    llm_server.script_chat(
        extraction([("Lee plays tennis on Sundays", ["Lee"])], [("Lee", "Person")]),
        {"facts": [{"fact": 0, "action": "UPDATE", "target_id": old, "text": "Lee plays tennis on Sundays"}],
         "relations": [], "entities": []},
    )  # fmt: skip
    result = llm_memory.add("I play tennis on Sundays.", user_id="lee")
    assert [(r["id"], r["event"]) for r in result["results"]] == [(old, "UPDATE")]
    assert llm_memory.get(old)["memory"] == "Lee plays tennis on Sundays"  # type: ignore[index]
    assert [(e["event"], e["old_memory"], e["new_memory"]) for e in llm_memory.history(old)] == [
        ("ADD", None, "Lee plays tennis"),
        ("UPDATE", "Lee plays tennis", "Lee plays tennis on Sundays"),
    ]


def test_an_update_into_another_memorys_text_links_to_it_instead(llm_memory: Memory, llm_server: LlmServer) -> None:
    """The model rewrites a memory into a fact another memory already states: no second copy (the store would
    refuse one and the add would fail); the outdated memory stops being current and the fact links to the holder."""
    llm_server.script_chat(extraction([("Lee plays tennis", ["Lee"])], [("Lee", "Person")]))
    old = llm_memory.add("I play tennis.", user_id="lee")["results"][0]["id"]
    llm_server.script_chat(extraction([("Lee plays tennis on Sundays", ["Lee"])], [("Lee", "Person")]))
    holder = llm_memory.add("I play tennis on Sundays.", user_id="lee", infer=True)["results"][0]["id"]
    llm_server.script_chat(
        extraction([("Lee plays tennis every Sunday", ["Lee"])], [("Lee", "Person")]),
        {"facts": [{"fact": 0, "action": "UPDATE", "target_id": old, "text": "Lee plays tennis on Sundays"}],
         "relations": [], "entities": []},
    )  # fmt: skip
    result = llm_memory.add("I play tennis every Sunday.", user_id="lee")
    assert "error" not in result
    assert sorted((r["id"], r["event"]) for r in result["results"]) == sorted([(holder, "NONE"), (old, "INVALIDATE")])
    assert [r["memory"] for r in llm_memory.get_all(user_id="lee")["results"]] == ["Lee plays tennis on Sundays"]


@pytest.mark.parametrize(
    ("steps", "why"),
    [
        (["not json at all", "still not json"], "no valid"),
        ([Refusal()], "declined|refus"),
        ([Raw.error(500, "boom")] * 3, "500|boom"),
        ([Raw.error(429, "slow down", retry_after="0")] * 3, "429|slow down"),
        ([Delay(2.0)] * 3, "timed out|timeout"),
    ],
    ids=["malformed", "refusal", "server-error", "rate-limited", "timeout"],
)
def test_failed_extraction_keeps_the_episode_and_retry_failed_completes_it(
    make_store: Callable[[], Store], embedder: Embedder, llm_server: LlmServer, steps: list[Any], why: str
) -> None:
    m = Memory(store=make_store(), embedder=embedder, chat=chat_for(llm_server, timeout=0.5))
    llm_server.script_chat(*steps)
    result = m.add("Remember the gate code is 7781.", user_id="g")
    assert result["results"] == [] and result["error"].startswith("extraction failed")
    assert re.search(why, result["error"], re.IGNORECASE)
    episode = m.store.get_episode(result["episode_id"])
    assert episode is not None and episode.status == "failed" and episode.error
    llm_server.script_chat(extraction([("The gate code is 7781", [])]))
    assert m.retry_failed(user_id="g")["succeeded"] == 1
    assert [r["memory"] for r in m.get_all(user_id="g")["results"]] == ["The gate code is 7781"]
    assert m.retry_failed(user_id="g")["retried"] == 0


IMAGE = [{"type": "text", "text": "Here is my receipt"},
         {"type": "image_url", "image_url": {"url": "https://example.test/receipt.png"}}]  # fmt: skip


def test_images_go_to_a_vision_model(make_store: Callable[[], Store], embedder: Embedder,
                                     llm_server: LlmServer) -> None:  # fmt: skip
    m = Memory(store=make_store(), embedder=embedder, chat=chat_for(llm_server, vision=True))
    llm_server.script_chat(extraction([("The receipt is from Cafe Rio for 12 dollars", ["Cafe Rio"])]))
    result = m.add([{"role": "user", "content": IMAGE}], user_id="r")
    assert result["images"] == {"kept": 1, "read": True}
    parts = llm_server.chat_requests[0].body["messages"][1]["content"]
    assert {"type": "image_url", "image_url": {"url": "https://example.test/receipt.png"}} in parts


def test_images_are_kept_but_not_read_without_a_vision_model(llm_memory: Memory, llm_server: LlmServer) -> None:
    llm_server.script_chat(extraction([("The user shared a receipt", [])]))
    result = llm_memory.add([{"role": "user", "content": IMAGE}], user_id="r")
    assert result["images"] == {"kept": 1, "read": False}
    assert "image_url" not in json.dumps(llm_server.chat_requests[0].body["messages"])
    episode = llm_memory.store.get_episode(result["episode_id"])
    assert episode is not None and episode.messages[0].images == ["https://example.test/receipt.png"]


def test_similar_facts_about_other_entities_are_not_reconciled(llm_memory: Memory, llm_server: LlmServer) -> None:
    llm_server.script_chat(
        extraction([("Kim's favourite drink is green tea", ["Kim"])], [("Kim", "Person")]),
        extraction([("Lou's favourite drink is green tea", ["Lou"])], [("Lou", "Person")]),
    )
    llm_memory.add("Kim's favourite drink is green tea.", user_id="office")
    result = llm_memory.add("Lou's favourite drink is green tea.", user_id="office")
    assert result["usage"]["llm_calls"] == 1 and [r["event"] for r in result["results"]] == ["ADD"]
    assert len(llm_server.chat_requests) == 2
