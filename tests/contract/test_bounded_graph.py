"""Contract: graph exploration is bounded (issue 11, point 4). ``neighbors`` and ``paths`` refuse more hops than
``limits.max_graph_hops``; ``paths`` meets in the middle (breadth-first from both ends) and stops after ``limit``
paths or ``limits.path_budget`` edges read, saying so (``truncated``). ``paths(max_hops=6)`` on 40 entities all
linked to each other used to enumerate every simple path and never finished."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import combinations

import networkx as nx
import pytest

from graphmem import Memory, ValidationError
from graphmem.config import LimitsConfig
from graphmem.models import RelationRecord, Scope
from graphmem.recall.explore import paths

pytestmark = pytest.mark.in_process("counts the store's edge reads and calls recall.explore.paths with other limits")

CLIQUE = [f"E{i}" for i in range(40)]
SCOPE = Scope(user_id="d")


class EdgeReads:
    """Wraps ``store.edges``: counts calls and relations read, and fails the test at once past ``cap``, so a search
    that reads too much fails instead of running on."""

    def __init__(self, memory: Memory, monkeypatch: pytest.MonkeyPatch, cap: int) -> None:
        self.inner = memory.store.edges
        self.cap = cap
        self.calls = 0
        self.read = 0
        monkeypatch.setattr(memory.store, "edges", self)

    def __call__(
        self, scope: Scope, entity_ids: Sequence[str], per_entity: int, as_of: datetime | None = None
    ) -> list[RelationRecord]:
        out = self.inner(scope, entity_ids, per_entity, as_of)
        self.calls += 1
        self.read += len(out)
        assert self.read <= self.cap, f"{self.read} relations read in {self.calls} calls, more than {self.cap}"
        return out


def _clique(memory: Memory, names: list[str]) -> None:
    memory.add_triples([(a, "KNOWS", b) for a, b in combinations(names, 2)], user_id="d")


def _expected(memory: Memory, source: str, target: str, max_hops: int, limit: int) -> list[list[str]]:
    """The answer by brute force on the stored graph (keep ``max_hops`` small: this enumerates every simple path):
    simple paths ordered by length, then relation ids."""
    graph = nx.MultiGraph(memory.to_networkx(user_id="d"))
    ids = {data["name"]: node for node, data in graph.nodes(data=True)}
    found = [
        [key for _, _, key in p] for p in nx.all_simple_edge_paths(graph, ids[source], ids[target], cutoff=max_hops)
    ]
    return sorted(found, key=lambda p: (len(p), p))[:limit]


def _ids(found: list[dict[str, object]]) -> list[list[str]]:
    return [[hop["id"] for hop in p["hops"]] for p in found]  # type: ignore[attr-defined]


def test_paths_on_a_dense_graph_meet_in_the_middle_and_return_the_shortest(
    memory: Memory, monkeypatch: pytest.MonkeyPatch
) -> None:
    _clique(memory, CLIQUE)
    expected = _expected(memory, "E0", "E1", 2, 10)  # the 10 shortest all have at most 2 hops
    reads = EdgeReads(memory, monkeypatch, cap=2 * (len(CLIQUE) - 1))  # the two ends' relations, no more
    found = memory.paths("E0", "E1", user_id="d", max_hops=6)
    assert [p["length"] for p in found] == [1] + [2] * 9
    assert _ids(found) == expected
    assert reads.calls == 2 and found.truncated is False  # type: ignore[attr-defined]


def test_paths_through_a_long_bridge_read_from_both_ends(memory: Memory, monkeypatch: pytest.MonkeyPatch) -> None:
    _clique(memory, CLIQUE)
    memory.add_triples([("E39", "KNOWS", "F1"), ("F1", "KNOWS", "F2"), ("F2", "KNOWS", "F3"), ("F3", "KNOWS", "Z")],
                       user_id="d")  # fmt: skip
    # Every path of at most 6 hops is one of at most 2 hops from E0 to E39, then the 4-hop bridge to Z.
    [bridge] = _expected(memory, "Z", "E39", 4, 10)  # from Z: brute force from E39 would walk the clique
    heads = _expected(memory, "E0", "E39", 2, 100)
    expected = sorted((head + bridge[::-1] for head in heads), key=lambda p: (len(p), p))
    reads = EdgeReads(memory, monkeypatch, cap=200)
    found = memory.paths("E0", "Z", user_id="d", max_hops=6)
    assert [p["length"] for p in found] == [5] + [6] * 9
    assert _ids(found) == expected[:10]
    assert found[0]["hops"][-1]["destination"] == "Z"
    assert reads.read <= 200


@pytest.mark.parametrize("budget", [450, 20_000])
def test_paths_stop_at_the_edge_budget_and_say_so(memory: Memory, monkeypatch: pytest.MonkeyPatch, budget: int) -> None:
    """Two cliques joined by one bridge: a budget too small for the second hop answers what it found, truncated."""
    left, right = CLIQUE[:20], [f"R{i}" for i in range(20)]
    _clique(memory, left)
    _clique(memory, right)
    memory.add_triples([("E19", "BRIDGES", "R19")], user_id="d")
    reads = EdgeReads(memory, monkeypatch, cap=budget)
    found = paths(memory.store, SCOPE, "E0", "R0", 6, 10, LimitsConfig(path_budget=budget))
    assert reads.read <= budget
    if budget == 450:
        assert found.truncated is True and isinstance(found, list)
        assert all(p["length"] <= 6 for p in found)
    else:
        assert found.truncated is False
        assert [p["length"] for p in found][:1] == [3]  # E0 - E19 - R19 - R0


def test_hops_above_the_limit_are_refused_naming_the_parameter(memory: Memory) -> None:
    _clique(memory, CLIQUE[:3])
    cap = LimitsConfig().max_graph_hops
    with pytest.raises(ValidationError) as err:
        memory.paths("E0", "E1", user_id="d", max_hops=cap + 1)
    assert err.value.field == "max_hops"
    with pytest.raises(ValidationError) as err:
        memory.neighbors("E0", user_id="d", hops=cap + 1)
    assert err.value.field == "hops"
    assert len(memory.paths("E0", "E1", user_id="d", max_hops=cap)) == 2
    assert len(memory.neighbors("E0", user_id="d", hops=cap)["relations"]) == 3
    with pytest.raises(ValidationError):
        paths(memory.store, SCOPE, "E0", "E1", 3, 10, LimitsConfig(max_graph_hops=2))
