"""Shared fixtures. The contract suite is parametrized by backend: every test in tests/contract runs once per
available store (the embedded store always; Neo4j joins here without the tests changing)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from graphmem import Memory
from graphmem.providers.embed import Embedder
from graphmem.providers.local_minilm import LocalMiniLM
from graphmem.stores.base import Store
from graphmem.stores.embedded import EmbeddedStore

BACKENDS = ["embedded"]


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    """One real local model for the whole run (loading it takes about a second)."""
    return LocalMiniLM()


@pytest.fixture(params=BACKENDS)
def make_store(request: pytest.FixtureRequest, tmp_path: Path, embedder: Embedder) -> Iterator[Callable[[], Store]]:
    """A factory of stores of one backend, all opening the same underlying database (to test restarts)."""
    opened: list[Store] = []

    def factory() -> Store:
        if request.param == "embedded":
            store: Store = EmbeddedStore(tmp_path / "graphmem.db", embedder.dim)
        else:  # pragma: no cover - later backends
            raise AssertionError(request.param)
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def memory(make_store: Callable[[], Store], embedder: Embedder) -> Iterator[Memory]:
    m = Memory(store=make_store(), embedder=embedder)
    yield m
    m.close()
