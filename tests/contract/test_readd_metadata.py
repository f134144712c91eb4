"""Contract: re-adding a text the memory holds, with new metadata, merges that metadata in (new keys win) and says
so (issue 11: it used to keep the old metadata and answer a bare NONE). Same on every backend."""

from __future__ import annotations

import pytest

from graphmem import Memory
from graphmem.models import Scope


@pytest.mark.in_process("uses the memory's embedder")
def test_new_metadata_on_a_known_text_is_merged_and_reported(memory: Memory) -> None:
    first = memory.add("Alice lives in Paris.", user_id="u", infer=False, metadata={"source": "chat", "v": 1})
    [added] = first["results"]
    again = memory.add("Alice lives in Paris.", user_id="u", infer=False, metadata={"v": 2, "tag": "moved"})
    [event] = again["results"]
    assert (event["id"], event["event"]) == (added["id"], "NONE")
    assert event["metadata"] == {"source": "chat", "v": 2, "tag": "moved"}
    assert event["previous_metadata"] == {"source": "chat", "v": 1}
    stored = memory.get(added["id"])
    assert stored is not None and stored["metadata"] == {"source": "chat", "v": 2, "tag": "moved"}
    assert len(stored["episode_ids"]) == 2
    assert [h["event"] for h in memory.history(added["id"])] == ["ADD"]  # the text did not change
    found = memory.get_all(user_id="u", filters={"tag": "moved"})["results"]  # filters read the merged metadata
    assert [m["id"] for m in found] == [added["id"]]
    [vector] = memory.embedder.embed(["Alice lives in Paris."])
    [hits] = memory.store.vector_search_many("memory", Scope(user_id="u"), [vector], 1)
    assert hits and hits[0][0] == added["id"] and hits[0][1] > 0.99  # its vector kept through the rewrite


def test_same_metadata_again_is_a_plain_none(memory: Memory) -> None:
    memory.add("Bob likes tea.", user_id="u", infer=False, metadata={"k": "v"})
    for metadata in ({"k": "v"}, None):
        [event] = memory.add("Bob likes tea.", user_id="u", infer=False, metadata=metadata)["results"]
        assert event["event"] == "NONE" and "metadata" not in event and "previous_metadata" not in event


def test_extracted_facts_merge_metadata_too(memory: Memory) -> None:
    memory.add("I work at Initech.", user_id="dana")
    again = memory.add("I work at Initech.", user_id="dana", metadata={"confirmed": True})
    restated = [e for e in again["results"] if e["event"] == "NONE"]
    assert restated and all(e["metadata"] == {"confirmed": True} for e in restated)
    assert all(m["metadata"] == {"confirmed": True} for m in memory.get_all(user_id="dana")["results"])
