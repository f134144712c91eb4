"""The search phase clock that benchmarks/speed.py reports per phase: off by default, laps every phase a search runs
when on, and changes nothing in what the search returns."""

from __future__ import annotations

import threading
from pathlib import Path

from graphmem import Memory
from graphmem.providers.embed import Embedder
from graphmem.recall.search import PhaseClock, timing_phases
from graphmem.stores.embedded import EmbeddedStore

QUERY = "Where did I meet Bob's sister?"


def test_timing_phases_laps_each_phase_without_changing_the_answer(tmp_path: Path, embedder: Embedder) -> None:
    m = Memory({"reranker": {"provider": "mmr"}}, store=EmbeddedStore(tmp_path / "g.db", embedder.dim),
               embedder=embedder)  # fmt: skip
    try:
        m.add("I met Bob's sister Carol in Lisbon.", user_id="u")
        m.add_triples([("Bob", "SIBLING_OF", "Carol")], user_id="u")
        plain = m.search(QUERY, user_id="u", rerank=True)
        clock = PhaseClock()
        with timing_phases(clock):
            timed = m.search(QUERY, user_id="u", rerank=True)
        assert timed == plain and plain["results"] and plain["relations"]
        phases = {"query", "vector", "bm25", "link", "walk", "mentions", "relations", "evidence", "fusion",
                  "rerank"}  # fmt: skip
        assert set(clock.seconds) == phases
        assert all(s >= 0.0 for s in clock.seconds.values())

        first = dict(clock.seconds)
        with timing_phases(clock):  # each search restarts the clock: phases are per search, not summed
            m.search("Carol", user_id="u", recipe="keyword")
        assert set(clock.seconds) == {"query", "bm25", "relations", "evidence", "fusion"}
        assert clock.seconds != first

        after = dict(clock.seconds)
        m.search(QUERY, user_id="u")  # outside the block: off
        assert clock.seconds == after

        seen: list[dict[str, float]] = []
        with timing_phases(clock):  # another thread does not see this thread's clock
            worker = threading.Thread(target=lambda: seen.append(dict(m.search(QUERY, user_id="u") and clock.seconds)))
            worker.start()
            worker.join()
        assert seen == [after]
    finally:
        m.close()
