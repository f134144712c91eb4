"""Vectors of short texts that recur call after call, embedded once each: one cache for the write and read paths.

Bulk loads and adds repeat the same relation-type phrases and common names ("Berlin", "directed by"); searches
compare query words with those same type phrases word by word (see ``recall.graph.Relevance``). All come from
small vocabularies, so a bounded least-recently-used cache keeps them; long texts (facts, queries) are embedded
but never kept. Rows are float32 (1.5 KB each at 384 dimensions): the default bound holds about 25 MB.
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
    """An embedder front: each call embeds the texts it has not kept, in one batch, and keeps the short ones."""

    def __init__(self, embedder: Embedder, capacity: int = 16_384, max_chars: int = 100) -> None:
        self.embedder = embedder
        self.capacity = capacity
        self.max_chars = max_chars
        self._cache: OrderedDict[str, F32] = OrderedDict()
        self._lock = threading.Lock()

    def matrix(self, texts: Sequence[str]) -> F32:
        """One row per text, in order (``(0, dim)`` for none)."""
        if not texts:
            return np.zeros((0, self.embedder.dim), dtype=np.float32)
        kept, fresh = self._lookup(texts, extra=())
        return np.stack([kept[t] if t in kept else fresh[t] for t in texts])

    def with_query(self, query: str, words: Sequence[str]) -> F32:
        """The query's vector, embedded in the same call as whichever of its ``words`` are not kept yet."""
        _, fresh = self._lookup(words, extra=(query,))
        return fresh[query]

    def _lookup(self, texts: Sequence[str], extra: Sequence[str]) -> tuple[dict[str, F32], dict[str, F32]]:
        """(kept vectors, this call's new vectors); ``extra`` texts are always embedded, never looked up."""
        with self._lock:
            kept = {t: self._cache[t] for t in dict.fromkeys(texts) if t in self._cache}
            for text in kept:
                self._cache.move_to_end(text)
        missing = [*dict.fromkeys(extra), *(t for t in dict.fromkeys(texts) if t not in kept and t not in extra)]
        if not missing:
            return kept, {}
        vectors = np.asarray(self.embedder.embed(missing), dtype=np.float32)
        fresh = {text: vectors[i].copy() for i, text in enumerate(missing)}
        with self._lock:
            for text, vector in fresh.items():
                if len(text) <= self.max_chars and text not in extra:
                    self._cache[text] = vector
                    self._cache.move_to_end(text)
            while len(self._cache) > self.capacity:
                self._cache.popitem(last=False)
        return kept, fresh
