"""Contract: ``neighbors`` reads at most ``limits.path_budget`` edges (issue 11, point 4), as ``paths`` does. Its
hop cap alone did not bound the work: every entity a hop reaches brings up to 200 relations at the next hop, so a
neighbourhood of hubs grows by that factor per hop. Past the budget it answers what it read and says so
(``truncated``), like ``Paths.truncated``."""

from __future__ import annotations

import zlib
from collections.abc import Callable

import numpy as np
import pytest

from graphmem import Memory
from graphmem.config import LimitsConfig, MemoryConfig
from graphmem.providers.embed import Embedder, Vectors
from graphmem.stores.base import Store
from tests.contract.test_bounded_graph import EdgeReads

SPOKES = 1_000  # H - S{i} - G for every i: two hubs of a thousand relations each


class HashEmbedder:
    """Unit vectors seeded by each text's CRC: distinct names stay apart, and thousands of them embed at once (the
    model's cost is not what this file is about)."""

    def __init__(self, dim: int) -> None:
        self.dim, self.name = dim, "hash"

    def embed(self, texts: list[str]) -> Vectors:
        rows = np.array([np.random.default_rng(zlib.crc32(t.encode())).standard_normal(self.dim) for t in texts])
        out: Vectors = (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)
        return out.reshape(len(texts), self.dim)


def _memory(make_store: Callable[[], Store], embedder: Embedder, budget: int) -> Memory:
    """A ``Memory`` on the backend's one database (every store ``make_store`` opens shares it) with this budget."""
    limits = LimitsConfig(path_budget=budget)
    return Memory(MemoryConfig(limits=limits), store=make_store(), embedder=HashEmbedder(embedder.dim))


def test_neighbors_of_hubs_stop_at_the_edge_budget_and_say_so(
    make_store: Callable[[], Store], embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three hops from H read H's 200 newest relations, both relations of each of those 200 spokes, then G's 200:
    800 edges, within the default budget. A budget of 500 leaves room for one spoke at hop two and G at hop three."""
    whole = _memory(make_store, embedder, LimitsConfig().path_budget)
    whole.add_triples(
        [t for i in range(SPOKES) for t in (("H", "LINKS", f"S{i}"), (f"S{i}", "LINKS", "G"))], user_id="hub"
    )
    reads = EdgeReads(whole, monkeypatch, cap=800)
    found = whole.neighbors("H", user_id="hub", hops=3, limit=10_000)
    assert found["truncated"] is False and reads.read == 800
    hops = [r["hops"] for r in found["relations"]]
    assert hops.count(1) == 200 and hops.count(2) == 200  # H's newest, then those spokes' relations to G

    cut = _memory(make_store, embedder, 500)
    reads = EdgeReads(cut, monkeypatch, cap=500)
    found = cut.neighbors("H", user_id="hub", hops=3, limit=10_000)
    assert found["truncated"] is True
    assert reads.read <= 500
    relations = found["relations"]
    assert {r["hops"] for r in relations} == {1, 2, 3}  # it went as deep as asked, on what the budget allowed
    assert all(r["source"] == "H" for r in relations if r["hops"] == 1)
    assert len(relations) < 800
    for memory in (whole, cut):
        memory.close()
