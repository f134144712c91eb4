"""The embedded store's memory of what the graph walk read: each entity's newest edges, per direction and scope.

A walk through a knowledge graph meets the same hub entities (a genre, a year, a language) search after search,
and reading a hub's newest edges from SQLite costs about seven B-tree seeks a row (the index, the row for the
scope check, the row by its key, both endpoints' names): on the MetaQA KB that was a third of a search (issue 13).
So ``EmbeddedStore.edge_rows`` keeps the rows it read here and reads only the entities it has not met.

Nothing here can go stale. Every entry belongs to the store's write counter (``meta.seq``, which every write
transaction of any process bumps) as it was read before the rows were: the first read that sees a different count
empties the cache, and rows read under an older count are never kept. An entry whose rows include a relation with
a future ``invalid_at`` ends at that moment (the edge drops out of "current" as time passes, with no write). The
cache holds at most ``max_rows`` rows; past that the oldest entries go first.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence

from graphmem.stores.base import Edge

# (tenant, user_id, agent_id, run_id, per_entity, end, entity id): end is "source_id" or "target_id"
Key = tuple[str, str | None, str | None, str | None, int, str, str]


class EdgeCache:
    def __init__(self, max_rows: int = 300_000) -> None:
        self.max_rows = max_rows
        self._lock = threading.Lock()
        self._seq: int | None = None
        self._entries: dict[Key, tuple[tuple[Edge, ...], str | None]] = {}  # key -> (rows, ends at; None: never)
        self._rows = 0

    def get(self, seq: int, keys: Iterable[Key], now: str) -> tuple[list[Edge], list[Key]]:
        """The cached rows of ``keys`` (as of write count ``seq`` and ISO time ``now``) and the keys to read."""
        rows: list[Edge] = []
        missing: list[Key] = []
        with self._lock:
            if seq != self._seq:
                self._entries.clear()
                self._rows = 0
                self._seq = seq
            for key in keys:
                entry = self._entries.get(key)
                if entry is None or (entry[1] is not None and entry[1] <= now):
                    missing.append(key)
                else:
                    rows.extend(entry[0])
        return rows, missing

    def put(self, seq: int, found: dict[Key, tuple[list[Edge], str | None]]) -> None:
        """Keep rows read as of write count ``seq``; each key's rows with the moment they stop being current."""
        with self._lock:
            if seq != self._seq:  # a write landed since they were read: they may be out of date already
                return
            for key, (rows, until) in found.items():
                old = self._entries.pop(key, None)
                self._rows += len(rows) - (len(old[0]) if old else 0)
                self._entries[key] = (tuple(rows), until)
            while self._rows > self.max_rows and self._entries:
                oldest = next(iter(self._entries))
                self._rows -= len(self._entries.pop(oldest)[0])

    def __len__(self) -> int:
        return len(self._entries)


def ends_at(invalid_ats: Sequence[str | None], now: str) -> str | None:
    """When an entry read at ``now`` stops being current: the earliest future ``invalid_at`` of its rows."""
    future = [t for t in invalid_ats if t is not None and t > now]
    return min(future) if future else None
