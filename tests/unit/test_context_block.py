"""The prompt block of ``Memory.context`` (``recall/context.py``), from hand-made search answers."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from graphmem.recall.context import build_context, estimate_tokens


def memory(n: int, text: str, **extra: Any) -> dict[str, Any]:
    return {"id": f"m{n}", "memory": text, "created_at": f"2025-0{n}-01T10:00:00+00:00", "metadata": {}, **extra}


def relation(source: str, kind: str, target: str, memory_ids: list[str], **extra: Any) -> dict[str, Any]:
    provenance = {"memory_ids": memory_ids, "episode_ids": ["ep-12345678-abcd"], "actor_id": None}
    return {"source": source, "relationship": kind, "destination": target, "provenance": provenance, **extra}


FOUND = {
    "results": [
        memory(1, "Alex moved to Berlin", actor_id="alex", metadata={"source": "chat"}),
        memory(2, "Alex works at Acme Corp", updated_at="2025-06-03T00:00:00+00:00"),
        memory(3, "Alex loves gaming and basketball and long walks by the river in the evening"),
    ],
    "relations": [
        relation("Alex", "LIVES_IN", "Berlin", ["m1"], valid_at="2024-12-31T00:00:00+00:00"),
        relation("Alex", "WORKS_AT", "Acme Corp", ["m2", "m1"]),
        relation("Acme Corp", "SIGNED", "Contract 42", []),
    ],
}


def test_the_whole_answer_fits_a_large_budget_numbered_dated_and_cited() -> None:
    block = build_context(FOUND, 1000)
    assert block["context"].splitlines() == [
        "Memories (best first):",
        "[1] 2025-01-01: Alex moved to Berlin (said by alex; source: chat)",
        "[2] 2025-06-03 (updated): Alex works at Acme Corp",
        "[3] 2025-03-01: Alex loves gaming and basketball and long walks by the river in the evening",
        "Relations ([n]: its memory):",
        "- Alex -LIVES_IN-> Berlin (since 2024-12-31) [1]",
        "- Alex -WORKS_AT-> Acme Corp [1][2]",
        "- Acme Corp -SIGNED-> Contract 42 (episode ep-12345)",
    ]
    assert block["left_out"] == {"memories": 0, "relations": 0}
    assert [m["id"] for m in block["memories"]] == ["m1", "m2", "m3"] and len(block["relations"]) == 3
    assert block["tokens"] == estimate_tokens(block["context"])


def test_a_small_budget_keeps_the_best_lines_and_cites_episodes_for_memories_left_out() -> None:
    block = build_context(FOUND, 50)
    assert block["context"].splitlines() == [
        "Memories (best first):",
        "[1] 2025-01-01: Alex moved to Berlin (said by alex; source: chat)",
        "Relations ([n]: its memory):",
        "- Alex -LIVES_IN-> Berlin (since 2024-12-31) [1]",
    ]  # [2] and [3] would leave no room for relations, the other relations no room for each other
    assert block["left_out"] == {"memories": 2, "relations": 2} and block["tokens"] <= 50
    best_only = build_context(FOUND, 30)  # the best memory outranks every relation
    assert [m["id"] for m in best_only["memories"]] == ["m1"] and best_only["relations"] == []
    only_third = build_context({"results": FOUND["results"][2:], "relations": FOUND["relations"][:1]}, 1000)
    assert only_third["context"].splitlines()[-1] == "- Alex -LIVES_IN-> Berlin (since 2024-12-31) (episode ep-12345)"


def test_relations_keep_a_share_of_the_budget_when_memories_would_fill_it() -> None:
    many = {"results": [memory(i % 9 + 1, f"memory number {i} " + "word " * 12) for i in range(30)],
            "relations": FOUND["relations"]}  # fmt: skip
    block = build_context(many, 200)
    assert block["relations"] and block["memories"] and block["tokens"] <= 200
    assert block["left_out"]["memories"] > 0


def test_nothing_found_or_no_room_gives_an_empty_block() -> None:
    assert build_context({"results": [], "relations": []}, 100) == {
        "context": "", "memories": [], "relations": [], "tokens": 0, "left_out": {"memories": 0, "relations": 0},
    }  # fmt: skip
    tiny = build_context(FOUND, 3)
    assert tiny["context"] == "" and tiny["left_out"] == {"memories": 3, "relations": 3}


def test_a_given_token_counter_is_used_for_the_budget() -> None:
    words = build_context(FOUND, 30, count_tokens=lambda text: len(text.split()))
    assert words["tokens"] == len(words["context"].split()) and words["tokens"] <= 30
    assert words["context"] != build_context(FOUND, 30)["context"]  # a different count, a different cut


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=400), st.lists(st.text(min_size=1, max_size=80), max_size=12))
def test_the_block_never_exceeds_the_budget(budget: int, texts: list[str]) -> None:
    found = {"results": [memory(i % 9 + 1, t) | {"id": f"x{i}"} for i, t in enumerate(texts)],
             "relations": [relation("A", "KNOWS", t[:20] or "B", [f"x{i}"]) for i, t in enumerate(texts)]}  # fmt: skip
    block = build_context(found, budget)
    assert estimate_tokens(block["context"]) <= budget
    assert len(block["memories"]) + block["left_out"]["memories"] == len(texts)
