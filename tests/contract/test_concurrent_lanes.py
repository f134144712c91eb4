"""Contract: on a store whose reads wait on I/O (``stores.base.io_bound``: Neo4j), ``search`` runs the lanes that
only read the store (vector after the filter, BM25, the fact search) on its lane pool while the graph lane runs in
the caller's thread (issue 13), and the answer is exactly the sequential run's, on every in-process backend, under
filters, a threshold, ``as_of`` and every recipe; the phase clock still reports each lane; a lane's failure
reaches the caller."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any, cast

import pytest

from graphmem import Memory, StoreError
from graphmem.models import utcnow
from graphmem.providers.embed import Embedder
from graphmem.recall.search import PhaseClock, timing_phases
from graphmem.stores.base import Store, io_bound
from tests.contract.test_recipes import FACTS

pytestmark = pytest.mark.in_process("wraps the store to say whether it is I/O-bound and where each read ran")

QUERIES = ["Where does Alice live?", "Who did Alice meet at GraphConf?", "Where do I go hiking?", "boat"]
OFF_THREAD = {("vector_search", "memory"), ("text_search", "memory"), ("vector_search", "relation"),
              ("list_memories", None), ("similarity", "memory"), ("get_relations", None)}  # fmt: skip


class Threaded:
    """Forwards every call to a real store, says ``io_bound`` as told, and records (method, kind, thread name)."""

    def __init__(self, inner: Store, concurrent: bool, fail: tuple[str, str] | None = None) -> None:
        self.inner, self.io_bound, self.fail = inner, concurrent, fail
        self.calls: list[tuple[str, str | None, str]] = []

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def recorded(*args: Any, **kwargs: Any) -> Any:
            kind = args[0] if args and args[0] in ("memory", "entity", "relation") else None
            self.calls.append((name, kind, threading.current_thread().name))
            if (name, kind) == self.fail:
                raise StoreError(f"{name} of {kind} failed")
            return attr(*args, **kwargs)

        return recorded


def _search(m: Memory, wrapper: Threaded, query: str, **kwargs: Any) -> tuple[dict[str, Any], set[str]]:
    """The answer through ``wrapper``, and the phases the clock saw."""
    store = m.store
    m.store = cast(Any, wrapper)
    try:
        clock = PhaseClock()
        with timing_phases(clock):
            return m.search(query, user_id="u", **kwargs), set(clock.seconds)
    finally:
        m.store = store


def test_concurrent_lanes_answer_exactly_as_the_sequential_run(
    make_store: Callable[[], Store], embedder: Embedder, backend: str
) -> None:
    m = Memory(store=make_store(), embedder=embedder)
    try:
        assert io_bound(m.store) is (backend == "neo4j")  # the Bolt store waits on the server; in-process ones compute
        for i, fact in enumerate(FACTS):
            m.add(fact, user_id="u", metadata={"n": i})
        m.add_triples([("Alice", "LIVES_IN", "Berlin"), ("Bob", "WORKS_AT", "Acme")], user_id="u")
        cases: list[dict[str, Any]] = [{}, {"filters": {"n": {"gte": 2}}}, {"threshold": 0.2},
                                       {"as_of": utcnow() + timedelta(days=1)}, {"recipe": "keyword"},
                                       {"recipe": "semantic"}, {"recipe": "graph"},
                                       {"recipe": {"reranker": {"provider": "graph_distance"}}}]  # fmt: skip
        caller = threading.current_thread().name
        for query in QUERIES:  # The first search of a query embeds it with its words, later ones alone: BLAS sums
            m.search(query, user_id="u")  # the two batches differently (the 7th digit on some CPUs), so both runs
            # below must see the query's vector made the same way.
            for kwargs in cases:
                sequential, at_once = Threaded(m.store, False), Threaded(m.store, True)
                expected, phases = _search(m, sequential, query, **kwargs)
                got, concurrent_phases = _search(m, at_once, query, **kwargs)
                case = (query, kwargs)
                assert got == expected, case
                assert concurrent_phases == phases, case  # each lane still reports its own phase
                assert all(thread == caller for _, _, thread in sequential.calls), case
                off = {(name, kind) for name, kind, thread in at_once.calls if thread != caller}
                assert off and off <= OFF_THREAD, case  # store-only steps ran on the pool, the graph lane here
                assert ("vector_search", "relation") in off, case
        assert any(r["results"] for r in (m.search(q, user_id="u") for q in QUERIES))
    finally:
        m.close()


def test_a_lane_that_fails_on_the_pool_fails_the_search(make_store: Callable[[], Store], embedder: Embedder) -> None:
    m = Memory(store=make_store(), embedder=embedder)
    try:
        m.add(FACTS[0], user_id="u")
        for fail in (("text_search", "memory"), ("vector_search", "relation")):  # steps on the pool
            with pytest.raises(StoreError, match=f"{fail[0]} of {fail[1]} failed"):
                _search(m, Threaded(m.store, True, fail=fail), "Alice")
        assert m.search("Alice", user_id="u")["results"]  # nothing was left broken
    finally:
        m.close()
