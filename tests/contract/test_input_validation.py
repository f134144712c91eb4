"""Contract: message roles and metadata are checked at the public input, before anything is stored.

A role outside user/assistant/system/tool, or metadata that is not JSON, is a ``ValidationError`` naming the field,
never a value stored as its ``str()``. The same check guards ``add_triples``' metadata. Same on every backend.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from graphmem import Memory, ValidationError

BAD_METADATA: list[tuple[dict[Any, Any], str]] = [
    ({"obj": object()}, "metadata.obj"),
    ({"tags": ["a", "b", {1, 2}]}, "metadata.tags[2]"),
    ({"when": {"start": b"2024"}}, "metadata.when.start"),
    ({"score": math.nan}, "metadata.score"),
    ({"score": [1.0, math.inf]}, "metadata.score[1]"),
    ({3: "three"}, "metadata"),
    ({"nested": {("a", "b"): 1}}, "metadata.nested"),
]


@pytest.mark.parametrize(("metadata", "field"), BAD_METADATA)
@pytest.mark.parametrize(
    "call",
    [
        lambda m, meta: m.add("I like tea", user_id="u", metadata=meta),
        lambda m, meta: m.add("I like tea", user_id="u", metadata=meta, infer=False),
        lambda m, meta: m.add_triples([("Ann", "LIKES", "tea")], user_id="u", metadata=meta),
    ],
    ids=["add", "add-verbatim", "add_triples"],
)
def test_metadata_that_is_not_json_is_refused_naming_the_field(
    memory: Memory, call: Callable[[Memory, Any], object], metadata: dict[Any, Any], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        call(memory, metadata)
    assert info.value.field == field
    assert memory.export(user_id="u") == []  # not even the episode


def test_json_metadata_reads_back_exactly_as_written(memory: Memory) -> None:
    meta = {"n": 3, "x": 0.5, "ok": True, "none": None, "tags": ["a", 2, [False]], "deep": {"k": {"v": "w"}}}
    [added] = memory.add("I like tea", user_id="u", metadata=meta, infer=False)["results"]
    assert memory.get(added["id"])["metadata"] == meta  # type: ignore[index]
    loaded = memory.add_triples([("Ann", "LIKES", "tea")], user_id="u", metadata={"src": ("csv", 1)})
    [episode] = [e for e in memory.export(user_id="u") if e["episode_id"] == loaded["episode_id"]]
    assert episode["metadata"] == {"src": ["csv", 1]}  # a tuple is a JSON array


@pytest.mark.parametrize("role", ["bot", "data", "User", "", 5, None])
def test_a_role_outside_the_chat_roles_is_refused_naming_the_field(memory: Memory, role: Any) -> None:
    messages = [{"role": "user", "content": "I like tea"}, {"role": role, "content": "hi"}]
    with pytest.raises(ValidationError) as info:
        memory.add(messages, user_id="u")
    assert info.value.field == "messages[1].role"
    assert "user, assistant, system, tool" in str(info.value)
    assert memory.export(user_id="u") == []


def test_the_four_chat_roles_are_accepted(memory: Memory) -> None:
    messages = [{"role": r, "content": f"{r} says I like tea"} for r in ("system", "user", "assistant", "tool")]
    memory.add(messages, user_id="u", infer=False)
    [episode] = memory.export(user_id="u")
    assert [m["role"] for m in episode["messages"]] == ["system", "user", "assistant", "tool"]
