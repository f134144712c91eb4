"""Vector search in process, for engines without a vector index: exact cosine over the scope's records.

A graph engine that cannot search vectors itself (TinkerGraph, JanusGraph without a mixed index, a test stub) still
answers every lane: the scope's records are read with their embeddings and scored with one matrix product. Exact, so
recall never depends on an index's cut-off; the cost grows with the scope, which suits the tenants such engines
hold. An engine with a native index implements ``VectorSearch`` itself instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

import numpy as np
import numpy.typing as npt

from graphmem.models import EntityRecord, MemoryRecord, RelationRecord, Scope, believed
from graphmem.stores.base import GraphStore, Hit, Vector, VectorKind

Embedded = MemoryRecord | EntityRecord | RelationRecord


class InProcessVectors:
    """``VectorSearch`` over a ``GraphStore``'s records."""

    def __init__(self, graph: GraphStore) -> None:
        self.graph = graph

    def vector_search(
        self, kind: VectorKind, scope: Scope, vector: Vector, k: int, as_of: datetime | None = None
    ) -> list[Hit]:
        records = self._candidates(kind, scope, as_of)
        return _top(records, np.asarray([vector], dtype=np.float32), k)[0]

    def vector_search_many(
        self, kind: Literal["memory", "entity"], scope: Scope, vectors: Sequence[Vector], k: int
    ) -> list[list[Hit]]:
        if not vectors:
            return []
        records = self._candidates(kind, scope, None)  # read once for all the query vectors
        return _top(records, np.asarray(vectors, dtype=np.float32), k)

    def similarity(self, kind: VectorKind, ids: Sequence[str], vector: Vector) -> dict[str, float]:
        records: Sequence[Embedded] = self.graph.get(kind, list(dict.fromkeys(ids)), with_embeddings=True)
        with_vectors = [r for r in records if r.embedding is not None]
        if not with_vectors:
            return {}
        scores = _cosines(with_vectors, np.asarray([vector], dtype=np.float32))[0]
        return {r.id: float(s) for r, s in zip(with_vectors, scores, strict=True)}

    def _candidates(self, kind: VectorKind, scope: Scope, as_of: datetime | None) -> list[Embedded]:
        """The scope's records with embeddings that the search may return: current ones (or those believed at
        ``as_of``); entities do not expire."""
        records: Sequence[Embedded] = self.graph.select(
            kind, scope, include_expired=as_of is not None, with_embeddings=True
        )
        if kind != "entity":
            records = [r for r in records if believed(r, as_of)]  # type: ignore[arg-type]
        return [r for r in records if r.embedding is not None]


def _cosines(records: Sequence[Embedded], queries: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    matrix = np.asarray([r.embedding for r in records], dtype=np.float32)
    matrix /= np.maximum(np.linalg.norm(matrix, axis=1, keepdims=True), 1e-12)
    unit = queries / np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
    return np.asarray(unit @ matrix.T, dtype=np.float32)


def _top(records: Sequence[Embedded], queries: npt.NDArray[np.float32], k: int) -> list[list[Hit]]:
    """Best ``k`` per query, equal scores by id (so two runs answer alike)."""
    if not records or k <= 0:
        return [[] for _ in range(len(queries))]
    ordered = sorted(records, key=lambda r: r.id)
    scores = _cosines(ordered, queries)
    out: list[list[Hit]] = []
    for row in scores:
        best = np.argsort(-row, kind="stable")[:k]
        out.append([(ordered[i].id, float(row[i])) for i in best])
    return out
