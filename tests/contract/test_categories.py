"""Contract: ``metadata={"categories": ...}`` gives the memory its categories (mem0's semantics), which filters read.

The caller's categories fill the built-in ``categories`` field instead of hiding behind it as a metadata key; those
an LLM assigns to a fact are merged after them (one per spelling, ignoring case). Same on every backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graphmem import Memory, ValidationError
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store
from tests.contract.test_llm_memory import chat_for, extraction
from tests.llm_server import LlmServer

DIET = {"categories": {"contains": "diet"}}


def memories(found: dict[str, Any]) -> list[str]:
    return [r["memory"] for r in found["results"]]


@pytest.mark.parametrize("infer", [True, False])
def test_categories_in_metadata_are_the_memorys_categories(memory: Memory, infer: bool) -> None:
    memory.add("I am vegetarian", user_id="u", metadata={"categories": ["diet", "health"], "src": "chat"}, infer=infer)
    memory.add("I play tennis on Sundays", user_id="u", metadata={"categories": "sport"}, infer=infer)
    [found] = memory.search("food", user_id="u", filters=DIET)["results"]
    assert found["categories"] == ["diet", "health"]
    assert found["metadata"] == {"src": "chat"}  # lifted out of metadata, not kept twice
    assert memories(memory.get_all(user_id="u", filters=DIET)) == [found["memory"]]
    assert memories(memory.get_all(user_id="u", filters={"categories": "health"})) == [found["memory"]]
    [tennis] = memory.get_all(user_id="u", filters={"categories": {"in": ["sport", "travel"]}})["results"]
    assert tennis["categories"] == ["sport"]  # a single string is one category
    assert memory.get(found["id"])["categories"] == ["diet", "health"]  # type: ignore[index]
    assert memory.get_all(user_id="u", filters={"categories": "travel"})["results"] == []


@pytest.mark.parametrize(
    "categories", [["diet", 3], {"diet": True}, 7, ["diet", ""], "  ", [["diet"]], None]
)  # fmt: skip
def test_categories_that_are_not_strings_are_refused_and_nothing_is_stored(memory: Memory, categories: Any) -> None:
    if categories is None:  # an explicit null is "no categories", not an error
        memory.add("I am vegetarian", user_id="u", metadata={"categories": None})
        assert [r["categories"] for r in memory.get_all(user_id="u")["results"]] == [[]]
        return
    with pytest.raises(ValidationError) as info:
        memory.add("I am vegetarian", user_id="u", metadata={"categories": categories})
    assert info.value.field == "metadata.categories"
    assert memory.get_all(user_id="u")["results"] == [] and memory.export(user_id="u") == []


def test_categories_an_llm_assigns_are_merged_after_the_callers(
    make_store: Callable[[], Store], embedder: Embedder, llm_server: LlmServer
) -> None:
    reply = extraction([("Dana is vegetarian", ["Dana"]), ("Dana runs marathons", ["Dana"])], [("Dana", "Person")])
    reply["facts"][0]["categories"] = ["food", "Diet", "lifestyle"]
    llm_server.script_chat(reply)
    m = Memory(store=make_store(), embedder=embedder, chat=chat_for(llm_server))
    try:
        m.add("I'm Dana: vegetarian, and I run marathons.", user_id="dana",
              metadata={"categories": ["diet", "health"]})  # fmt: skip
        by_text = {r["memory"]: r["categories"] for r in m.get_all(user_id="dana")["results"]}
        assert by_text == {
            "Dana is vegetarian": ["diet", "health", "food", "lifestyle"],  # "Diet" is the caller's "diet"
            "Dana runs marathons": ["diet", "health"],
        }
        assert memories(m.search("what does Dana eat", user_id="dana", filters={"categories": "food"})) == [
            "Dana is vegetarian"
        ]
        schema = llm_server.chat_requests[0].body["response_format"]["json_schema"]["schema"]
        assert "categories" in json_fact_properties(schema)  # the model is asked for them
    finally:
        m.close()


def json_fact_properties(schema: dict[str, Any]) -> set[str]:
    facts = schema["properties"]["facts"]["items"]
    if "$ref" in facts:
        facts = schema["$defs"][facts["$ref"].rsplit("/", 1)[-1]]
    return set(facts["properties"])
