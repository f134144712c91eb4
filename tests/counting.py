"""Test doubles that count what the code under test asks of a real part, for the tests that pin how many store
round trips or embedding calls a pipeline makes (issue 10, point 4). They forward every call: behaviour is real."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store

KINDS = ("memory", "entity", "relation")


class CountingStore:
    """Forwards every call to a real store and counts them by (method, record kind when the first argument is
    one), and the rows each method's list answers held (``rows``)."""

    def __init__(self, inner: Store) -> None:
        self.inner = inner
        self.calls: Counter[tuple[str, str | None]] = Counter()
        self.rows: Counter[str] = Counter()  # method -> rows (list items) its answers held, summed over calls

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.inner, name)
        if not callable(attr):
            return attr

        def counted(*args: Any, **kwargs: Any) -> Any:
            kind = args[0] if args and isinstance(args[0], str) and args[0] in KINDS else None
            self.calls[(name, kind)] += 1
            answer = attr(*args, **kwargs)
            if isinstance(answer, list):
                self.rows[name] += len(answer)
            return answer

        return counted


class CountingEmbedder:
    """Forwards to a real embedder and keeps every text it was asked to embed, in order."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.dim, self.name = inner, inner.dim, inner.name
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        self.texts.extend(texts)
        return self.inner.embed(texts)
