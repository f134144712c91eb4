"""Contract: ``update`` keeps the graph true to the memory's new text (issue 9, point 4), on every backend.

The new text is extracted like an add and written as the same memory; relations only the old text supported are
invalidated (``as_of`` still sees them); relations another memory supports stay; history and the return value say
what changed; a failed extraction changes nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

from graphmem import Memory
from graphmem.errors import ExtractionError
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store
from tests.contract.test_llm_memory import chat_for, extraction
from tests.llm_server import LlmServer, Raw

Triple = tuple[str, str, str]


def triples(relations: list[dict[str, Any]]) -> set[Triple]:
    return {(r["source"], r["relationship"], r["destination"]) for r in relations}


def current(m: Memory, entity: str, user: str) -> set[Triple]:
    return triples(m.neighbors(entity, user_id=user)["relations"])


def test_update_moves_the_graph_from_paris_to_rome(memory: Memory) -> None:
    mid = memory.add("I live in Paris", user_id="alex")["results"][0]["id"]
    assert current(memory, "alex", "alex") == {("alex", "LIVES_IN", "Paris")}
    before = datetime.now(timezone.utc)
    time.sleep(0.01)

    result = memory.update(mid, "I live in Rome")

    now = memory.search("where do I live", user_id="alex")
    assert ("alex", "LIVES_IN", "Rome") in triples(now["relations"])
    assert not {r for r in triples(now["relations"]) if "Paris" in r}
    assert [r["memory"] for r in now["results"]] == ["I live in Rome"]
    assert current(memory, "alex", "alex") == {("alex", "LIVES_IN", "Rome")}
    assert memory.paths("alex", "Rome", user_id="alex") and memory.paths("alex", "Paris", user_id="alex") == []
    then = memory.search("where do I live", user_id="alex", as_of=before)
    assert ("alex", "LIVES_IN", "Paris") in triples(then["relations"])
    assert ("alex", "LIVES_IN", "Rome") not in triples(then["relations"])
    # Still one memory, the same one, with the new text.
    assert [(r["id"], r["memory"]) for r in memory.get_all(user_id="alex")["results"]] == [(mid, "I live in Rome")]
    events = memory.history(mid)
    assert [e["event"] for e in events] == ["ADD", "UPDATE"]
    update = events[1]
    assert (update["old_memory"], update["new_memory"]) == ("alex lives in Paris", "I live in Rome")
    assert triples(update["relations"]["added"]) == {("alex", "LIVES_IN", "Rome")}
    assert triples(update["relations"]["invalidated"]) == {("alex", "LIVES_IN", "Paris")}
    assert update["relations"]["unlinked"] == []
    assert "relations" not in events[0]
    assert result["id"] == mid and result["message"] == "Memory updated successfully!"
    assert result["relations"] == update["relations"]
    assert [(r["id"], r["event"], r["previous_memory"]) for r in result["results"]] == [
        (mid, "UPDATE", "alex lives in Paris")
    ]


@pytest.mark.in_process("reads the store's entities")
def test_a_relation_another_memory_supports_survives_without_the_updated_one(memory: Memory) -> None:
    first = memory.add("I work at Acme", user_id="alex")["results"][0]["id"]
    second = memory.add("I work at Acme as an engineer", user_id="alex")["results"][0]["id"]
    assert current(memory, "alex", "alex") == {("alex", "WORKS_AT", "Acme")}

    result = memory.update(first, "I live in Rome")

    assert current(memory, "alex", "alex") == {("alex", "WORKS_AT", "Acme"), ("alex", "LIVES_IN", "Rome")}
    acme = [e.id for e in memory.store.list_entities(memory.store.get_memory(first).scope) if e.name == "Acme"]
    assert acme and acme[0] not in memory.store.mentions([first]).get(first, [])  # the new text names no Acme
    assert triples(result["relations"]["unlinked"]) == {("alex", "WORKS_AT", "Acme")}
    assert result["relations"]["invalidated"] == []
    # The updated memory no longer supports WORKS_AT: deleting the other one leaves it unsupported.
    memory.delete(second)
    assert current(memory, "alex", "alex") == {("alex", "LIVES_IN", "Rome")}


def test_a_relation_the_new_text_says_again_stays_as_it_was(memory: Memory) -> None:
    mid = memory.add("I work at Acme", user_id="alex")["results"][0]["id"]
    [before] = memory.neighbors("alex", user_id="alex")["relations"]
    result = memory.update(mid, "I work at Acme")
    assert result["relations"] == {"added": [], "invalidated": [], "unlinked": []}
    [after] = memory.neighbors("alex", user_id="alex")["relations"]
    assert after == before


def test_a_verbatim_memory_stays_verbatim(memory: Memory) -> None:
    mid = memory.add("I live in Paris", user_id="alex", infer=False)["results"][0]["id"]
    result = memory.update(mid, "I live in Rome")
    assert result["relations"] == {"added": [], "invalidated": [], "unlinked": []}
    assert memory.to_networkx(user_id="alex").number_of_edges() == 0


@pytest.fixture
def llm_memory(make_store: Callable[[], Store], embedder: Embedder, llm_server: LlmServer) -> Memory:
    return Memory(store=make_store(), embedder=embedder, chat=chat_for(llm_server))


def _lives(city: str) -> dict[str, Any]:
    return extraction([(f"Sam lives in {city}", ["Sam", city])], [("Sam", "Person"), (city, "Location")],
                      [("Sam", "LIVES_IN", city, f"Sam lives in {city}")], speaker="Sam")  # fmt: skip


def test_the_update_is_extracted_by_the_model_with_the_users_name(llm_memory: Memory, llm_server: LlmServer) -> None:
    llm_server.script_chat(_lives("Paris"), _lives("Rome"))
    mid = llm_memory.add("I'm Sam, I live in Paris.", user_id="u-sam")["results"][0]["id"]

    result = llm_memory.update(mid, "I live in Rome now.")

    assert len(llm_server.chat_requests) == 2
    request = llm_server.chat_requests[-1].body["messages"]
    assert "I live in Rome now." in json.dumps(request) and "Sam" in request[0]["content"]  # "I" is Sam, as in add
    assert current(llm_memory, "Sam", "u-sam") == {("Sam", "LIVES_IN", "Rome")}
    assert result["usage"]["llm_calls"] == 1 and result["usage"]["extractor"].startswith("llm:")
    assert triples(result["relations"]["added"]) == {("Sam", "LIVES_IN", "Rome")}
    assert triples(result["relations"]["invalidated"]) == {("Sam", "LIVES_IN", "Paris")}
    assert [r["id"] for r in llm_memory.get_all(user_id="u-sam")["results"]] == [mid]


def test_an_ambiguous_update_asks_once_and_only_about_relations_still_in_doubt(
    llm_memory: Memory, llm_server: LlmServer
) -> None:
    def likes(drink: str) -> dict[str, Any]:
        return extraction([(f"Lee likes {drink}", ["Lee", drink])], [("Lee", "Person"), (drink, "Thing")],
                          [("Lee", "LIKES", drink, f"Lee likes {drink}")], speaker="Lee")  # fmt: skip

    llm_server.script_chat(likes("tea"), likes("jazz"), {"relations": [{"relation": 0, "action": "ADD"}]})
    mid = llm_memory.add("I'm Lee and I like tea.", user_id="u-lee")["results"][0]["id"]
    llm_memory.add("I like jazz.", user_id="u-lee")
    llm_server.script_chat(likes("coffee"), {"relations": [{"relation": 0, "action": "ADD"}]})

    result = llm_memory.update(mid, "I like coffee.")

    assert result["usage"]["llm_calls"] == 2  # extraction + one reconciliation, never more
    question = json.loads(llm_server.chat_requests[-1].body["messages"][-1]["content"])
    # LIKES tea loses its only support anyway: the model is asked about jazz alone.
    assert [c["target"] for c in question["new_relations"][0]["candidates"]] == ["jazz"]
    assert triples(result["relations"]["invalidated"]) == {("Lee", "LIKES", "tea")}
    assert current(llm_memory, "Lee", "u-lee") == {("Lee", "LIKES", "jazz"), ("Lee", "LIKES", "coffee")}


def test_a_failed_extraction_changes_nothing_and_says_so(llm_memory: Memory, llm_server: LlmServer) -> None:
    llm_server.script_chat(_lives("Paris"))
    mid = llm_memory.add("I'm Sam, I live in Paris.", user_id="u-sam")["results"][0]["id"]
    llm_server.script_chat(Raw.error(400, "the model is unavailable"))

    with pytest.raises(ExtractionError, match=r"not updated.*the model is unavailable"):
        llm_memory.update(mid, "I live in Rome now.")

    got = llm_memory.get(mid)
    assert got is not None and got["memory"] == "Sam lives in Paris" and got["updated_at"] is None
    assert [e["event"] for e in llm_memory.history(mid)] == ["ADD"]
    assert current(llm_memory, "Sam", "u-sam") == {("Sam", "LIVES_IN", "Paris")}
    llm_server.script_chat(_lives("Rome"))  # the same call again, once the model answers, goes through
    assert triples(llm_memory.update(mid, "I live in Rome now.")["relations"]["added"]) == {("Sam", "LIVES_IN", "Rome")}
