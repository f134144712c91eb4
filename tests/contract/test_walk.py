"""Contract: the one breadth-first walk (``recall/walk.py``) on every backend: hop by hop, one batch of edges per
frontier, on to the entities not met yet unless the caller names the next frontier, within ``fanout`` and
``as_of``."""

from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest

from graphmem import Memory
from graphmem.models import Scope, normalize_name
from graphmem.recall.walk import walk

pytestmark = pytest.mark.in_process("drives recall.walk on the store itself")

CHAIN = [("Ann", "KNOWS", "Ben"), ("Ben", "KNOWS", "Cy"), ("Cy", "KNOWS", "Dee")]
SCOPE = Scope(user_id="w")


def _ids(memory: Memory, *names: str) -> list[str]:
    found = memory.store.entities_named(SCOPE, [normalize_name(n) for n in names])
    by_name = {e.name: e.id for e in found}
    return [by_name[n] for n in names]


def _hops(memory: Memory, start: str, max_hops: int, **kwargs: object) -> list[tuple[int, list[str], set[str]]]:
    names = {e.id: e.name for e in memory.store.list_entities(SCOPE)}
    return [
        (hop.depth, [names[i] for i in hop.frontier], {f"{e.source}-{e.target}" for e in hop.edges})
        for hop in walk(memory.store, SCOPE, _ids(memory, start), max_hops, 50, **kwargs)  # type: ignore[arg-type]
    ]


def test_the_walk_goes_breadth_first_to_entities_not_met_yet(memory: Memory) -> None:
    memory.add_triples(CHAIN, user_id="w")
    assert _hops(memory, "Ann", 3) == [
        (1, ["Ann"], {"Ann-Ben"}),
        (2, ["Ben"], {"Ann-Ben", "Ben-Cy"}),
        (3, ["Cy"], {"Ben-Cy", "Cy-Dee"}),
    ]
    assert _hops(memory, "Ann", 1) == [(1, ["Ann"], {"Ann-Ben"})]
    assert _hops(memory, "Dee", 5)[-1] == (4, ["Ann"], {"Ann-Ben"})  # the frontier empties: no fifth hop
    assert _hops(memory, "Ann", 0) == []


def test_the_caller_names_the_next_frontier_and_fanout_caps_each_entity(memory: Memory) -> None:
    memory.add_triples(CHAIN, user_id="w")
    time.sleep(0.01)
    memory.add_triples([("Ben", "KNOWS", "Eve")], user_id="w")
    ann, cy = _ids(memory, "Ann", "Cy")
    steered = []
    for hop in walk(memory.store, SCOPE, [ann], 3, 50):
        steered.append(len(hop.edges))
        hop.follow([cy] if hop.depth == 1 else [])  # jump to Cy, then stop
    assert steered == [1, 2]
    ben = _ids(memory, "Ben")
    [first] = walk(memory.store, SCOPE, ben, 1, 1)
    assert len(first.edges) == 1  # Ben has three relations; fanout 1 reads his newest only
    assert {first.edges[0].target} == {"Eve"}


def test_the_walk_sees_the_graph_as_it_was_believed_at_as_of(memory: Memory) -> None:
    memory.add_triples(CHAIN[:1], user_id="w")
    time.sleep(0.01)
    then = datetime.now(timezone.utc)
    time.sleep(0.01)
    memory.add_triples(CHAIN[1:], user_id="w")
    assert _hops(memory, "Ann", 3, as_of=then) == [(1, ["Ann"], {"Ann-Ben"}), (2, ["Ben"], {"Ann-Ben"})]
    assert len(_hops(memory, "Ann", 3)) == 3
