"""The Cypher store's parameters and rows beside ``rows.py``: ``plan_write``'s rows (each distinct vector sent once)
and provenance lists as native lists on the edge (queryable in Cypher), where ``rows.py`` keeps JSON text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from graphmem.models import EntityRecord, MemoryRecord, RelationRecord, normalize_name
from graphmem.stores.base import Invalidation, Vector, WritePlan
from graphmem.stores.cypher.results import RelationRow
from graphmem.stores.filter_cypher import metadata_props
from graphmem.stores.rows import (
    entity_props,
    episode_props,
    history_props,
    iso,
    iso_or_none,
    memory_props,
    relation_props,
)


def floats(v: Vector | Sequence[float]) -> list[float]:
    return [float(x) for x in np.asarray(v, dtype=np.float32)]


def plan_params(plan: WritePlan) -> dict[str, Any]:
    """``plan_write``'s parameters: every row of the plan, each distinct vector once."""
    vectors = _Vectors()
    params: dict[str, Any] = {
        "episode_id": plan.episode_id,
        "episodes": [{"id": plan.episode.id, "props": episode_props(plan.episode)}] if plan.episode else [],
        "memories": [{"id": m.id, "episode_ids": m.episode_ids,
                      "props": {**memory_props(m), **metadata_props(m.metadata, m.categories)},
                      "v": vectors.add(m.embedding)} for m in plan.memories],
        "links": [{"memory_id": m, "episode_id": e} for m, e in plan.memory_episode_links],
        "entities": [{"id": e.id, "v": vectors.add(e.embedding),
                      "props": {**entity_props(e), "names": _names(e), "aliases": list(e.aliases),
                                "aliases_text": " | ".join(e.aliases)}} for e in plan.entities],
        "aliases": [{"id": i, "alias": a, "normalized": normalize_name(a)} for i, a in plan.entity_aliases],
        "relations": [_relation_write_row(r, vectors.add(r.embedding)) for r in plan.relations],
        "relation_updates": [u.model_dump(mode="json") | {"id": u.relation_id} for u in plan.relation_updates],
        "relation_invalidations": [_invalidation(i) for i in plan.relation_invalidations],
        "memory_invalidations": [_invalidation(i) for i in plan.memory_invalidations],
        "memory_updates": [_memory_update(m) for m in plan.memory_updates],
        "provenance_removals": [{"relation_id": r, "memory_id": m} for r, m in plan.provenance_removals],
        "mention_removals": [{"memory_id": m, "entity_id": e} for m, e in plan.mention_removals],
        "mentions": [{"memory_id": m, "entity_id": e} for m, e in plan.mentions],
        "history": [history_props(h) for h in plan.history],
    }  # fmt: skip
    params["vectors"] = vectors.matrix()
    return params


class _Vectors:
    """The distinct vectors of one plan, each sent once; rows refer to theirs by position. Relations embedded by
    their type phrase share one vector object, so a bulk load sends a handful of vectors for its relations.

    They travel as one float32 matrix, which the driver packs to the same bytes as a list of lists: the driver
    also formats every RUN's parameters for a debug log line whether or not debug logging is on, and the ``repr``
    of a 5,000-triple load's ~1,800 vectors as lists took 0.84 s (20 times the Rust codec's packing), a summarized
    array's 1 ms."""

    def __init__(self) -> None:
        self.rows: list[npt.NDArray[np.float32]] = []
        self._at: dict[int, tuple[Sequence[float], int]] = {}

    def add(self, vector: Sequence[float] | None) -> int | None:
        if vector is None:
            return None
        hit = self._at.get(id(vector))
        if hit is None:  # holding the vector keeps its id unique while the plan is built
            hit = self._at[id(vector)] = (vector, len(self.rows))
            self.rows.append(np.asarray(vector, dtype=np.float32))
        return hit[1]

    def matrix(self) -> npt.NDArray[np.float32] | list[list[float]]:
        """Every vector, one row each (one embedder made them all, so they share a width); ``[]`` for none."""
        return np.stack(self.rows) if self.rows else []


def _relation_write_row(r: RelationRecord, v: int | None) -> dict[str, Any]:
    """Provenance lists are native lists on the edge (queryable in Cypher)."""
    return {"id": r.id, "source_id": r.source_id, "target_id": r.target_id, "v": v,
            "props": {**relation_props(r), "memory_ids": r.provenance.memory_ids,
                      "episode_ids": r.provenance.episode_ids}}  # fmt: skip


def _invalidation(i: Invalidation) -> dict[str, Any]:
    return {"id": i.id, "invalid_at": iso_or_none(i.invalid_at), "expired_at": iso(i.expired_at)}


def _memory_update(m: MemoryRecord) -> dict[str, Any]:
    props = memory_props(m)
    return {"id": m.id, "text": m.text, "hash": m.hash, "metadata": props["metadata"],
            "filtered": metadata_props(m.metadata, m.categories),
            "updated_at": props["updated_at"], "embedding": floats(m.embedding) if m.embedding else None}  # fmt: skip


def _names(e: EntityRecord) -> list[str]:
    return list(dict.fromkeys(normalize_name(n) for n in [e.name, *e.aliases] if normalize_name(n)))


def relation_row(props: RelationRow) -> dict[str, Any]:
    """Provenance lists are native lists on the edge (queryable in Cypher); rows.py reads JSON text."""
    return {**props, "memory_ids": json.dumps(props.get("memory_ids") or []),
            "episode_ids": json.dumps(props.get("episode_ids") or [])}  # fmt: skip
