"""Contract: add / get / get_all on every backend."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from graphmem import Memory, NotFoundError, ValidationError
from graphmem.models import ExtractedFact, Extraction, Message
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store


def test_add_string_stores_one_memory_and_get_returns_it(memory: Memory) -> None:
    result = memory.add("I prefer vegetarian food", user_id="alice", infer=False, metadata={"category": "food"})
    [item] = result["results"]
    assert item["event"] == "ADD" and item["memory"] == "I prefer vegetarian food"
    got = memory.get(item["id"])
    assert got is not None
    assert got["memory"] == "I prefer vegetarian food"
    assert got["user_id"] == "alice" and "agent_id" not in got
    assert got["metadata"] == {"category": "food"}
    assert got["episode_ids"] == [result["episode_id"]]
    assert got["created_at"] and got["updated_at"] is None


def test_add_accepts_dict_and_list_of_messages_with_actor_per_message(memory: Memory) -> None:
    one = memory.add({"role": "user", "content": "Standup moved to 10am"}, agent_id="planner", infer=False)
    assert [r["memory"] for r in one["results"]] == ["Standup moved to 10am"]
    many = memory.add(
        [
            {"role": "user", "content": "Our budget is 50k", "name": "dana"},
            {"role": "assistant", "content": "Noted the budget"},
            {"role": "user", "content": "Legal must sign off", "actor_id": "erin"},
        ],
        run_id="call-7",
        infer=False,
    )
    by_text = {r["memory"]: memory.get(r["id"]) for r in many["results"]}
    assert by_text["Our budget is 50k"]["actor_id"] == "dana"  # type: ignore[index]
    assert by_text["Noted the budget"]["role"] == "assistant"  # type: ignore[index]
    assert "actor_id" not in by_text["Noted the budget"]  # type: ignore[operator]
    assert by_text["Legal must sign off"]["actor_id"] == "erin"  # type: ignore[index]


def test_duplicate_fact_in_same_scope_is_not_stored_twice(memory: Memory) -> None:
    first = memory.add("I love jazz", user_id="alice", infer=False)["results"][0]
    again = memory.add("i love  JAZZ", user_id="alice", infer=False)["results"][0]
    assert again == {"id": first["id"], "memory": "I love jazz", "event": "NONE"}
    assert len(memory.get_all(user_id="alice")["results"]) == 1
    other = memory.add("I love jazz", user_id="bob", infer=False)["results"][0]
    assert other["event"] == "ADD" and other["id"] != first["id"]


def test_infer_extracts_facts_and_relations_with_the_offline_extractor(memory: Memory) -> None:
    result = memory.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="u1")
    triples = {(r["source"], r["relationship"], r["destination"]) for r in result["relations"]["added"]}
    assert {
        ("Alice", "MET", "Bob"),
        ("Alice", "ATTENDED", "GraphConf 2025"),
        ("GraphConf 2025", "LOCATED_IN", "San Francisco"),
    } <= triples
    assert result["results"] and all(r["event"] == "ADD" for r in result["results"])


def test_first_person_resolves_to_the_self_introduced_name(memory: Memory) -> None:
    result = memory.add("Hi, I'm Alex. I love basketball and gaming.", user_id="alex")
    triples = {(r["source"], r["relationship"], r["destination"]) for r in result["relations"]["added"]}
    assert ("Alex", "LOVES", "basketball") in triples and ("Alex", "LOVES", "gaming") in triples
    later = memory.add("I work at Acme.", user_id="alex")
    assert ("Alex", "WORKS_AT", "Acme") in {
        (r["source"], r["relationship"], r["destination"]) for r in later["relations"]["added"]
    }


def test_get_all_is_scoped_ordered_and_limited(memory: Memory) -> None:
    for i in range(5):
        memory.add(f"note number {i}", user_id="alice", infer=False)
    memory.add("someone else's note", user_id="bob", infer=False)
    texts = [r["memory"] for r in memory.get_all(user_id="alice")["results"]]
    assert texts == [f"note number {i}" for i in range(5)]
    assert [r["memory"] for r in memory.get_all(user_id="alice", limit=2)["results"]] == texts[:2]


def test_get_with_scope_hides_other_scopes_and_unknown_ids(memory: Memory) -> None:
    mid = memory.add("private", user_id="alice", infer=False)["results"][0]["id"]
    assert memory.get(mid, user_id="alice") is not None
    assert memory.get(mid, user_id="bob") is None
    assert memory.get("no-such-id") is None


class _Exploding:
    name = "exploding"

    def extract(self, messages: list[Message], context: object) -> Extraction:
        raise RuntimeError("model unavailable")


def test_failed_extraction_keeps_the_episode_and_reports_the_error(
    make_store: Callable[[], Store], embedder: Embedder
) -> None:
    m = Memory(store=make_store(), embedder=embedder, extractor=_Exploding())
    result = m.add([{"role": "user", "content": "Remember my locker code is 4411"}], user_id="u")
    assert "model unavailable" in result["error"] and result["results"] == []
    episode = m.store.get_episode(result["episode_id"])
    assert episode is not None and episode.status == "failed" and "model unavailable" in (episode.error or "")
    assert episode.messages[0].content == "Remember my locker code is 4411"


@pytest.mark.in_process("reads the stored episode (memory.store)")
def test_image_parts_are_kept_on_the_episode(memory: Memory) -> None:
    content = [
        {"type": "text", "text": "Here is my receipt"},
        {"type": "image_url", "image_url": {"url": "https://example.test/r.png"}},
    ]
    result = memory.add([{"role": "user", "content": content}], user_id="u", infer=False)
    episode = memory.store.get_episode(result["episode_id"])
    assert episode is not None and episode.messages[0].images == ["https://example.test/r.png"]
    assert [r["memory"] for r in result["results"]] == ["Here is my receipt"]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda m: m.add("x"), "user_id"),
        (lambda m: m.add("x", user_id=""), "user_id"),
        (lambda m: m.add("x", user_id="u", agent_id=3), "agent_id"),
        (lambda m: m.add(42, user_id="u"), "messages"),
        (lambda m: m.add([], user_id="u"), "messages"),
        (lambda m: m.add([{"role": "user"}], user_id="u"), "messages[0].content"),
        (
            lambda m: m.add([{"role": "user", "content": [{"type": "audio"}]}], user_id="u"),
            "messages[0].content[0].type",
        ),
        (lambda m: m.add("x", user_id="u", metadata=["a"]), "metadata"),
        (lambda m: m.add("x", user_id="u", infer="yes"), "infer"),
        (lambda m: m.search("x"), "user_id"),
        (lambda m: m.search("", user_id="u"), "query"),
        (lambda m: m.search("x", user_id="u", limit=0), "limit"),
        (lambda m: m.search("x", user_id="u", threshold="high"), "threshold"),
        (lambda m: m.search("x", user_id="u", filters={"age": {"between": [1, 2]}}), "filters.age.between"),
        (lambda m: m.search("x", user_id="u", as_of="last week"), "as_of"),
        (lambda m: m.get_all(), "user_id"),
        (lambda m: m.get_all(user_id="u", limit=-1), "limit"),
        (lambda m: m.update("id", ""), "data"),
        (lambda m: m.delete_all(), "user_id"),
        (lambda m: m.add_triples([("a", "knows")], user_id="u"), "triples[0]"),
        (lambda m: m.add_triples([("a", "!!", "b")], user_id="u"), "triples[0].relationship"),
        (lambda m: m.neighbors("", user_id="u"), "entity"),
        (lambda m: m.paths("a", "b", user_id="u", max_hops=0), "max_hops"),
    ],
)
def test_bad_input_gets_an_error_naming_the_field(memory: Memory, call: Callable[[Memory], object], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        call(memory)
    assert info.value.field == field


def test_update_and_delete_of_unknown_id_raise_not_found(memory: Memory) -> None:
    with pytest.raises(NotFoundError):
        memory.update("missing", "new text")
    with pytest.raises(NotFoundError):
        memory.delete("missing")


def test_self_introduction_links_the_user_id_to_the_named_entity(memory: Memory) -> None:
    memory.add("Hi, I'm Alex. I love basketball.", user_id="u-123")
    later = memory.add("I work at Acme.", user_id="u-123")
    assert ("Alex", "WORKS_AT", "Acme") in {
        (r["source"], r["relationship"], r["destination"]) for r in later["relations"]["added"]
    }
    found = memory.search("What do you know about me?", user_id="u-123")
    graph_hits = [r["memory"] for r in found["results"] if "graph" in r["lanes"]]
    assert "Alex loves basketball" in graph_hits and "Alex works at Acme" in graph_hits
    assert {r["source"] for r in found["relations"]} == {"Alex"}


def test_facts_carry_the_actor_of_the_message_that_stated_them(memory: Memory) -> None:
    result = memory.add(
        [
            {"role": "user", "content": "I work at Initech.", "name": "Peter"},
            {"role": "user", "content": "I work at Chotchkie's.", "name": "Joanna"},
        ],
        run_id="office",
    )
    actors = {memory.get(r["id"])["memory"]: memory.get(r["id"]).get("actor_id") for r in result["results"]}  # type: ignore[index, union-attr]
    assert actors["Peter works at Initech"] == "Peter"
    assert actors["Joanna works at Chotchkie's"] == "Joanna"


class _Flaky:
    """Fails until told the model is back, like an extraction endpoint during an outage."""

    name = "flaky"

    def __init__(self) -> None:
        self.up = False

    def extract(self, messages: list[Message], context: object) -> Extraction:
        if not self.up:
            raise RuntimeError("503 from the model server")
        return Extraction(facts=[ExtractedFact(text=m.content) for m in messages])


def test_retry_failed_reprocesses_failed_episodes_once(make_store: Callable[[], Store], embedder: Embedder) -> None:
    flaky = _Flaky()
    m = Memory(store=make_store(), embedder=embedder, extractor=flaky)
    failed = m.add("Remember the gate code is 7781", user_id="u")
    m.add("kept verbatim", user_id="u", infer=False)
    assert failed["error"] and m.get_all(user_id="u")["results"][0]["memory"] == "kept verbatim"
    assert m.retry_failed(user_id="u")["failed"] == 1
    flaky.up = True
    done = m.retry_failed()
    assert (done["retried"], done["succeeded"]) == (1, 1)
    assert done["results"][0]["episode_id"] == failed["episode_id"]
    assert sorted(r["memory"] for r in m.get_all(user_id="u")["results"]) == [
        "Remember the gate code is 7781",
        "kept verbatim",
    ]
    assert m.retry_failed() == {"retried": 0, "succeeded": 0, "failed": 0, "results": []}


def test_get_all_lists_the_facts_of_one_add_in_the_order_they_were_said(memory: Memory) -> None:
    """Facts of one add share its time; "oldest first" then follows the text, not the (per-episode random) ids."""
    said = ["Alex moved to Berlin last year", "Alex works at Acme Corp", "Alex loves gaming", "Alex owns a red bike"]
    for _ in range(3):  # three episodes, three sets of ids: an order by id would differ between them
        memory.delete_all(user_id="alex")
        memory.add(". ".join(said) + ".", user_id="alex")
        assert [r["memory"] for r in memory.get_all(user_id="alex")["results"]] == said
