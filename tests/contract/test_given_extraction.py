"""Contract: ``add(messages, triples=..., facts=...)`` stores the caller's own extraction (issue 14, point 2).

No model runs; the text is the episode; the facts (default: the text itself) are the memories; every relation cites
the memories it came from, so the graph lane ranks the passage or fact behind an edge; the episode keeps what was
given, so export and import replay it exactly. On every backend, the HTTP ones through ``MemoryClient``.
"""

from __future__ import annotations

from typing import Any

import pytest

from graphmem import Memory, ValidationError

PASSAGE = "The Eiffel Tower, built by Gustave Eiffel's company for the 1889 fair, stands on the Champ de Mars in Paris."
PASSAGE_TRIPLES = [("Eiffel Tower", "LOCATED_IN", "Paris"), ("Gustave Eiffel", "BUILT", "Eiffel Tower")]
OTHER = "The Colosseum is an amphitheatre in the centre of Rome."


def relations_of(memory: Memory, entity: str, user: str) -> dict[tuple[str, str, str], list[str]]:
    near = memory.neighbors(entity, user_id=user)["relations"]
    return {(r["source"], r["relationship"], r["destination"]): r["provenance"]["memory_ids"] for r in near}


def test_a_passage_with_its_triples_is_one_memory_that_every_relation_cites(memory: Memory) -> None:
    added = memory.add(PASSAGE, user_id="kb", triples=PASSAGE_TRIPLES)
    memory.add(OTHER, user_id="kb", triples=[("Colosseum", "LOCATED_IN", "Rome")])
    assert added["usage"]["llm_calls"] == 0 and added["usage"]["extractor"] == "none"
    [passage] = added["results"]
    assert passage["memory"] == PASSAGE and passage["event"] == "ADD"
    assert relations_of(memory, "Eiffel Tower", "kb") == {
        ("Eiffel Tower", "LOCATED_IN", "Paris"): [passage["id"]],
        ("Gustave Eiffel", "BUILT", "Eiffel Tower"): [passage["id"]],
    }
    found = memory.search("Who built the tower that stands in Paris?", user_id="kb", limit=2)
    assert found["results"][0]["id"] == passage["id"] and "graph" in found["results"][0]["lanes"]
    assert memory.get_all(user_id="kb")["results"][0]["id"] == passage["id"]  # oldest first


def test_given_facts_are_the_memories_and_relations_cite_the_facts_naming_them(memory: Memory) -> None:
    added = memory.add(
        [{"role": "user", "content": "Notes from the all-hands: Jane, Acme, Bob and the tea question."}],
        user_id="kb",
        facts=["Jane works at Acme", {"text": "Bob likes tea", "entities": ["Bob"], "categories": ["food"]}],
        triples=[
            {"source": "Jane", "relationship": "WORKS_AT", "destination": "Acme"},
            ("Bob", "KNOWS", "Carol"),
            ("Dan", "KNOWS", "Eve"),
        ],
    )
    ids = {r["memory"]: r["id"] for r in added["results"]}
    assert set(ids) == {"Jane works at Acme", "Bob likes tea"}  # the facts, not the notes
    assert relations_of(memory, "Acme", "kb") == {("Jane", "WORKS_AT", "Acme"): [ids["Jane works at Acme"]]}
    # no fact names both Bob and Carol: the first naming one end is the source; none names Dan or Eve: the
    # relation cites the episode alone
    assert relations_of(memory, "Carol", "kb") == {("Bob", "KNOWS", "Carol"): [ids["Bob likes tea"]]}
    assert relations_of(memory, "Eve", "kb") == {("Dan", "KNOWS", "Eve"): []}
    tea = memory.get(ids["Bob likes tea"])
    assert tea is not None and tea["categories"] == ["food"]


def test_export_keeps_what_was_given_and_import_replays_it(memory: Memory) -> None:
    memory.add(PASSAGE, user_id="kb", triples=PASSAGE_TRIPLES, metadata={"source": "wiki"})
    memory.add("Long notes", user_id="kb", facts=[{"text": "Jane works at Acme", "entities": ["Jane", "Acme"]}],
               triples=[("Jane", "WORKS_AT", "Acme")])  # fmt: skip
    exported = memory.export(user_id="kb")
    passage, notes = exported
    assert passage["messages"] == [{"role": "user", "content": PASSAGE}] and "facts" not in passage
    assert [t["relationship"] for t in passage["triples"]] == ["LOCATED_IN", "BUILT"] and "infer" not in passage
    assert notes["facts"] == [{"text": "Jane works at Acme", "entities": ["Jane", "Acme"]}]
    memory.delete_all(user_id="kb")
    assert memory.import_(exported)["memories"] == 2
    assert memory.export(user_id="kb") == exported
    assert relations_of(memory, "Paris", "kb")[("Eiffel Tower", "LOCATED_IN", "Paris")] == [
        r["id"] for r in memory.get_all(user_id="kb")["results"] if r["memory"] == PASSAGE
    ]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"facts": "Jane works at Acme"}, "facts"),
        ({"facts": [{"text": "Jane", "entity": ["Jane"]}]}, "facts[0].entity"),
        ({"facts": [{"text": "  "}]}, "facts[0].text"),
        ({"facts": [{"text": "Jane", "entities": "Jane"}]}, "facts[0].entities"),
        ({"triples": [("Jane", "WORKS_AT")]}, "triples[0]"),
        ({"triples": [("Jane", "WORKS_AT", "Acme")], "prompt": "be brief"}, "prompt"),
        ({"facts": []}, "facts"),
    ],
)
def test_bad_given_extraction_is_refused_and_nothing_is_stored(
    memory: Memory, kwargs: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        memory.add("Jane works at Acme", user_id="kb", **kwargs)
    assert info.value.field == field
    assert memory.get_all(user_id="kb")["results"] == [] and memory.export(user_id="kb") == []
