"""Vectors of short texts that recur across searches (query words, relation-type phrases), embedded once each.

The walk compares query words with relation types word by word (see ``graph.Relevance``); both come from small
vocabularies, so a bounded cache makes that comparison cost one embedding call for the words not seen before.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from graphmem.providers.embed import Embedder

F32 = npt.NDArray[np.float32]


class PhraseVectors:
    """A least-recently-used cache of unit vectors by text, filled in one batch per call."""

    def __init__(self, embedder: Embedder, capacity: int = 50_000) -> None:
        self.embedder = embedder
        self.capacity = capacity
        self._cache: OrderedDict[str, F32] = OrderedDict()
        self._lock = threading.Lock()

    def with_query(self, query: str, words: Sequence[str]) -> F32:
        """The query's vector, embedded in the same call as whichever of its ``words`` are not cached yet (one
        forward pass instead of two: words are shorter than the query, so they ride along almost free)."""
        with self._lock:
            missing = list(dict.fromkeys(w for w in words if w not in self._cache))
        vectors = self.embedder.embed([query, *missing])
        with self._lock:
            for word, vec in zip(missing, vectors[1:], strict=True):
                self._cache[word] = np.asarray(vec, dtype=np.float32)
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return np.asarray(vectors[0], dtype=np.float32)

    def matrix(self, texts: Sequence[str]) -> F32:
        """One row per text, in order (``(0, dim)`` for none)."""
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        fresh = self.embedder.embed(missing) if missing else np.zeros((0, self.embedder.dim), dtype=np.float32)
        with self._lock:
            for text, vec in zip(missing, fresh, strict=True):
                self._cache[text] = np.asarray(vec, dtype=np.float32)
            rows = []
            for text in texts:
                vec = self._cache.get(text)
                if vec is None:  # evicted by a concurrent call between the two locks: take this call's own
                    vec = np.asarray(fresh[missing.index(text)], dtype=np.float32)
                self._cache[text] = vec
                self._cache.move_to_end(text)
                rows.append(vec)
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return np.stack(rows)
