"""An in-memory exact vector index with scope masks, kept beside SQLite by the embedded store.

Exact (a matrix product over the scope's rows) rather than approximate: at the embedded store's intended sizes a
scan of float32 rows costs a few milliseconds and never loses a small tenant's neighbours, which an unfiltered ANN
top-k followed by a scope filter would. Rows are appended in place; deleted rows are tombstoned and compacted when
they pile up.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from graphmem.models import Scope

_GROW = 1.5
G = TypeVar("G", bound=np.generic)


class VectorIndex:
    """Rows of (id, unit vector, scope, current?) searchable by dot product under a read scope."""

    def __init__(self, dim: int) -> None:
        self.dim = dim
        self._lock = threading.RLock()
        self._clear()

    def _clear(self) -> None:
        self._vecs: npt.NDArray[np.float32] = np.zeros((0, self.dim), dtype=np.float32)
        self._n = 0
        self._ids: list[str] = []
        self._row: dict[str, int] = {}
        self._scopes: list[npt.NDArray[np.object_]] = [np.zeros(0, dtype=object) for _ in range(3)]
        self._live = np.zeros(0, dtype=bool)
        self._current = np.zeros(0, dtype=bool)

    def __len__(self) -> int:
        return len(self._row)

    def reset(self, rows: Iterable[tuple[str, bytes | npt.NDArray[np.float32], Scope, bool]] = ()) -> None:
        with self._lock:
            self._clear()
            for ident, vec, scope, current in rows:
                self.upsert(ident, vec, scope, current)

    def upsert(self, ident: str, vec: bytes | npt.NDArray[np.float32], scope: Scope, current: bool = True) -> None:
        array = np.frombuffer(vec, dtype=np.float32) if isinstance(vec, bytes) else np.asarray(vec, np.float32)
        if array.shape != (self.dim,):
            raise ValueError(f"vector for {ident!r} has shape {array.shape}, index expects ({self.dim},)")
        with self._lock:
            row = self._row.get(ident)
            if row is None:
                row = self._append_row()
                self._ids.append(ident)
                self._row[ident] = row
            self._vecs[row] = array
            for axis, value in enumerate(scope.key()):
                self._scopes[axis][row] = value or ""
            self._live[row] = True
            self._current[row] = current

    def set_current(self, ident: str, current: bool) -> None:
        with self._lock:
            row = self._row.get(ident)
            if row is not None:
                self._current[row] = current

    def remove(self, ident: str) -> None:
        with self._lock:
            row = self._row.pop(ident, None)
            if row is not None:
                self._live[row] = False
            if self._n > 1024 and len(self._row) < self._n // 2:
                self._compact()

    def search(
        self, query: npt.NDArray[np.float32], scope: Scope, k: int, current_only: bool
    ) -> list[tuple[str, float]]:
        """Top-k (id, cosine) among live rows visible under ``scope``; ties broken by id for stable order."""
        with self._lock:
            n = self._n
            mask = self._live[:n].copy()
            if current_only:
                mask &= self._current[:n]
            for axis, value in enumerate(scope.key()):
                if value is not None:
                    mask &= self._scopes[axis][:n] == value
            rows = np.flatnonzero(mask)
            if rows.size == 0 or k <= 0:
                return []
            scores = self._vecs[rows] @ np.asarray(query, dtype=np.float32)
            ids = [self._ids[r] for r in rows]
        top = np.argpartition(-scores, k - 1)[:k] if rows.size > k else np.arange(rows.size)
        ranked = sorted(((float(scores[i]), ids[i]) for i in top), key=lambda t: (-t[0], t[1]))
        return [(ident, score) for score, ident in ranked]

    def scores(self, ids: Iterable[str], query: npt.NDArray[np.float32]) -> dict[str, float]:
        """Exact cosine for the given ids (those the index holds), whatever their scope or currency."""
        with self._lock:
            known = [(ident, self._row[ident]) for ident in ids if ident in self._row]
            if not known:
                return {}
            values = self._vecs[[row for _, row in known]] @ np.asarray(query, dtype=np.float32)
        return {ident: float(v) for (ident, _), v in zip(known, values, strict=True)}

    def _append_row(self) -> int:
        if self._n == self._vecs.shape[0]:
            capacity = max(64, int(self._n * _GROW))
            self._vecs = _resize(self._vecs, (capacity, self.dim))
            self._scopes = [_resize(s, (capacity,)) for s in self._scopes]
            self._live = _resize(self._live, (capacity,))
            self._current = _resize(self._current, (capacity,))
        self._n += 1
        return self._n - 1

    def _compact(self) -> None:
        keep = np.flatnonzero(self._live[: self._n])
        self._vecs = self._vecs[keep].copy()
        self._scopes = [s[keep].copy() for s in self._scopes]
        self._current = self._current[keep].copy()
        self._live = np.ones(keep.size, dtype=bool)
        self._ids = [self._ids[r] for r in keep]
        self._row = {ident: i for i, ident in enumerate(self._ids)}
        self._n = keep.size


def _resize(array: npt.NDArray[G], shape: tuple[int, ...]) -> npt.NDArray[G]:
    grown = np.zeros(shape, dtype=array.dtype)
    grown[: array.shape[0]] = array
    return grown
