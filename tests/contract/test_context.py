"""Contract: ``Memory.context`` gives a prompt-ready block of the best memories and relations within a budget
(issue 14, point 6), on every backend (the HTTP ones through ``MemoryClient``, which cannot send a token counter)."""

from __future__ import annotations

import pytest

from graphmem import Memory, ValidationError
from graphmem.recall.context import estimate_tokens


def test_context_holds_the_best_memories_and_the_relations_citing_them(memory: Memory) -> None:
    met = memory.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="alex", metadata={"source": "chat"})
    memory.add("Alex loves basketball", user_id="alex", infer=False)
    memory.add("Carol met Dave in Oslo.", user_id="someone-else")
    block = memory.context("Who did Alice meet?", user_id="alex", max_tokens=1000)
    lines = block["context"].splitlines()
    stored = memory.get(met["results"][0]["id"])
    assert stored is not None
    day = stored["created_at"][:10]
    assert lines[0] == "Memories (best first):"
    assert lines[1] == f"[1] {day}: Alice met Bob at GraphConf 2025 in San Francisco (source: chat)"
    assert "- Alice -MET-> Bob [1]" in lines and "Oslo" not in block["context"]  # another scope's memory
    assert block["memories"][0]["id"] == met["results"][0]["id"]
    assert block["left_out"] == {"memories": 0, "relations": 0}
    assert block["tokens"] == estimate_tokens(block["context"])

    small = memory.context("Who did Alice meet?", filters={"user_id": "alex"}, max_tokens=30)
    assert small["tokens"] <= 30 and small["memories"][0]["id"] == met["results"][0]["id"]
    assert small["left_out"]["memories"] + len(small["memories"]) == len(block["memories"])


@pytest.mark.parametrize("max_tokens", [0, -5, "100", True])
def test_a_bad_budget_is_refused(memory: Memory, max_tokens: object) -> None:
    with pytest.raises(ValidationError) as info:
        memory.context("anything", user_id="alex", max_tokens=max_tokens)  # type: ignore[arg-type]
    assert info.value.field == "max_tokens"
