"""The adapters are tested against the real libraries they adapt (installed by ``./dev`` from the registry) and a
real embedded memory; one test per adapter also goes through ``graphmem serve`` with a ``MemoryClient``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graphmem import Memory
from graphmem.providers.embed import Embedder
from graphmem.stores.embedded import EmbeddedStore


@pytest.fixture
def memory(tmp_path: Path, embedder: Embedder) -> Iterator[Memory]:
    m = Memory(store=EmbeddedStore(tmp_path / "graphmem.db", embedder.dim), embedder=embedder)
    yield m
    m.close()
