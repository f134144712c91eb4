"""Contract: every public method's answer is its result model's dump (issue 10, point 5), on every backend.

``Model.model_validate(answer).api() == answer``: the answer validates against the model (and so against its JSON
Schema in schemas/), and the model holds every key of it, none more, in the same order.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from graphmem import Memory
from graphmem.results import AddResult, HistoryEntry, RelationView, SearchResult, UpdateResult


def is_dump_of(model: type[BaseModel], answer: dict[str, Any]) -> bool:
    dumped: dict[str, Any] = model.model_validate(answer).model_dump(mode="json", exclude_unset=True)
    return dumped == answer and list(dumped) == list(answer)


def test_every_answer_is_its_models_dump(memory: Memory) -> None:
    added = memory.add("I live in Paris and work at Acme.", user_id="alex", metadata={"source": "chat"})
    assert added["results"] and added["relations"]["added"] and is_dump_of(AddResult, added)
    loaded = memory.add_triples([("Acme", "LOCATED_IN", "Paris")], user_id="alex")
    assert is_dump_of(AddResult, loaded)

    found = memory.search("Where does alex live?", user_id="alex")
    assert found["results"] and found["relations"] and "rerank" not in found
    assert is_dump_of(SearchResult, found)
    assert "hops" in found["relations"][0] and "id" not in found["relations"][0]

    near = memory.neighbors("alex", hops=2, user_id="alex")["relations"]
    assert near and all(is_dump_of(RelationView, r) for r in near)
    assert all("hops" in r and "created_at" in r for r in near)
    hops = [h for path in memory.paths("alex", "Acme", user_id="alex") for h in path["hops"]]
    assert hops and all(is_dump_of(RelationView, {k: v for k, v in h.items() if k != "episodes"}) for h in hops)

    mid = added["results"][0]["id"]
    updated = memory.update(mid, "I live in Rome")
    assert list(updated["relations"]) == ["added", "invalidated", "unlinked"]
    assert is_dump_of(UpdateResult, updated)
    history = memory.history(mid, user_id="alex")
    assert [e["event"] for e in history] == ["ADD", "UPDATE"] and "relations" in history[1]
    assert "relations" not in history[0]
    assert all(is_dump_of(HistoryEntry, e) for e in history)

    retried = memory.retry_failed(user_id="alex")
    assert all(is_dump_of(AddResult, r) for r in retried["results"])


@pytest.mark.in_process("builds a second Memory on the same store")
def test_a_reranked_search_is_its_models_dump(memory: Memory) -> None:
    reranking = Memory({"reranker": {"provider": "mmr"}}, store=memory.store, embedder=memory.embedder)
    reranking.add("I love hiking in the Alps. My sister hates hiking.", user_id="u")
    found = reranking.search("hiking", user_id="u", rerank=True)
    assert found["rerank"] == {"reranker": "mmr", "candidates": len(found["results"]), "error": None}
    assert all("rerank_score" in r for r in found["results"]) and is_dump_of(SearchResult, found)
