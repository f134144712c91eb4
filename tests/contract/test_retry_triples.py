"""Contract: ``retry_failed`` replays an ``add_triples`` episode from its own triples. Its message is the triples
as JSON data; an extractor reading that JSON as conversation would store it as a memory and write nothing of the
graph it describes (the bug this pins)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from graphmem import Memory
from graphmem.models import Scope

pytestmark = pytest.mark.in_process("marks an episode failed in the store (store.set_episode_status)")

TRIPLES = [("Alice", "WORKS_AT", "Acme"), ("Acme", "LOCATED_IN", "Berlin")]


def _triples_episode(memory: Memory, user_id: str) -> str:
    episodes = [e for e in memory.store.list_episodes(Scope(user_id=user_id)) if e.source == "triples"]
    assert len(episodes) == 1
    return episodes[0].id


def test_a_retried_triples_episode_rebuilds_its_graph_and_stores_no_memory(memory: Memory) -> None:
    memory.add_triples(TRIPLES, user_id="u")
    before = sorted(
        (r["source"], r["relationship"], r["destination"]) for r in memory.neighbors("Acme", user_id="u")["relations"]
    )
    episode_id = _triples_episode(memory, "u")
    memory.store.set_episode_status(episode_id, "failed", "write: provoked by the test")

    out = memory.retry_failed(user_id="u", stale_after=timedelta(0))

    assert (out["retried"], out["succeeded"], out["failed"]) == (1, 1, 0)
    assert out["results"][0]["results"] == []  # no memory made of the triples' JSON
    assert memory.get_all(user_id="u")["results"] == []
    after = sorted(
        (r["source"], r["relationship"], r["destination"]) for r in memory.neighbors("Acme", user_id="u")["relations"]
    )
    assert after == before == [("Acme", "LOCATED_IN", "Berlin"), ("Alice", "WORKS_AT", "Acme")]
    episodes = memory.store.list_episodes(Scope(user_id="u"))
    assert [(e.id, e.status) for e in episodes] == [(episode_id, "done")]  # marked done, not retried again
    assert memory.retry_failed(user_id="u", stale_after=timedelta(0))["retried"] == 0
