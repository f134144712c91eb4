"""A test backend that implements only the narrow ``GraphStore`` protocol, in plain dicts.

It proves the seam: wrapped in ``GraphBacked`` with the in-process vector and text capabilities, it runs the whole
contract suite (``tests/conftest.py`` backend "graph"), so a new engine knows that these 13 methods are all it must
write. Every write runs under one lock, which is its transaction: ``apply`` settles the plan against what other
writers stored (``stores/settle.py``) and changes the tables only after everything is decided. Records are stored
as pydantic copies and handed out as copies, so a caller can never change the "database" by mutating a result.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, overload

from graphmem.models import (
    EntityRecord,
    Episode,
    HistoryEvent,
    MemoryRecord,
    RelationRecord,
    Scope,
    believed,
    normalize_name,
    utcnow,
)
from graphmem.stores.base import RecordKind, RelationKey, WritePlan
from graphmem.stores.settle import settle


@dataclass
class Tables:
    """The "database": shared by every ``DictGraph`` opened on it (a reopened store sees what was written)."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    episodes: dict[str, Episode] = field(default_factory=dict)
    memories: dict[str, MemoryRecord] = field(default_factory=dict)
    entities: dict[str, EntityRecord] = field(default_factory=dict)
    relations: dict[str, RelationRecord] = field(default_factory=dict)
    mentions: dict[str, list[str]] = field(default_factory=dict)  # memory id -> entity ids
    history: list[HistoryEvent] = field(default_factory=list)


_DATA = ("episodes", "memories", "entities", "relations", "mentions", "history")


def _edit(table: dict[str, Any], ident: str, **changes: Any) -> None:
    """Replace a stored record by a changed copy: stored records are never changed in place."""
    table[ident] = table[ident].model_copy(update=changes)


def _cite(relations: dict[str, RelationRecord], ident: str, **changes: Any) -> None:
    """Change a relation's provenance lists (a copy of both the relation and its provenance)."""
    _edit(relations, ident, provenance=relations[ident].provenance.model_copy(update=changes))


def _oldest_first(records: Any) -> list[Any]:
    return sorted(records, key=lambda r: (r.created_at, r.id))


def _copy(record: Any, with_embeddings: bool) -> Any:
    return record.model_copy(deep=True, update=None if with_embeddings else {"embedding": None})


class DictGraph:
    """``GraphStore`` in memory. Not for production: it exists to keep the protocol honest."""

    def __init__(self, tables: Tables | None = None) -> None:
        self.tables = tables or Tables()

    # -- episodes ---------------------------------------------------------------------------------------------------
    def write_episode(self, episode: Episode) -> None:
        with self.tables.lock:
            self.tables.episodes.setdefault(episode.id, episode.model_copy(deep=True))

    def set_episode_status(self, episode_id: str, status: str, error: str | None = None) -> None:
        with self.tables.lock:
            episode = self.tables.episodes.get(episode_id)
            if episode is not None:
                self.tables.episodes[episode_id] = episode.model_copy(update={"status": status, "error": error})

    # -- the add transaction ---------------------------------------------------------------------------------------
    def apply(self, plan: WritePlan) -> dict[str, str]:
        """All of the plan or, when any step fails, none of it: the tables are restored from a snapshot."""
        with self.tables.lock:
            before = {name: copy.copy(getattr(self.tables, name)) for name in _DATA}  # records are never edited in
            # place (``_edit`` replaces them), so a shallow copy of each table is a full snapshot
            try:
                return self._apply(plan)
            except BaseException:
                for name, value in before.items():
                    setattr(self.tables, name, value)
                raise

    def _apply(self, plan: WritePlan) -> dict[str, str]:
        """The writes of ``apply``, under its lock."""
        t = self.tables
        plan, remap = settle(
            plan,
            lambda scope, keys: {k: e.id for k, e in self.find("entity", scope, keys).items()},
            lambda scope, hashes: {h: m.id for h, m in self.find("memory", scope, hashes).items()},
            lambda scope, keys: {k: r.id for k, r in self.find("relation", scope, keys).items()},
        )
        if plan.episode is not None:
            self._put(t.episodes, plan.episode)
        for m in plan.memories:
            self._put(t.memories, m)
        for memory_id, episode_id in plan.memory_episode_links:
            if memory_id in t.memories and episode_id not in t.memories[memory_id].episode_ids:
                _edit(t.memories, memory_id, episode_ids=[*t.memories[memory_id].episode_ids, episode_id])
        for e in plan.entities:
            t.entities.setdefault(e.id, e.model_copy(deep=True, update={"aliases": []}))
            self._add_aliases(e.id, [e.name, *e.aliases])
        for entity_id, alias in plan.entity_aliases:
            self._add_aliases(entity_id, [alias])
        for r in plan.relations:
            self._put(t.relations, r)
        for u in plan.relation_updates:
            if u.relation_id in t.relations:
                p = t.relations[u.relation_id].provenance
                _cite(t.relations, u.relation_id, memory_ids=list(dict.fromkeys([*p.memory_ids, *u.memory_ids])),
                      episode_ids=list(dict.fromkeys([*p.episode_ids, *u.episode_ids])))  # fmt: skip
        invalidated: list[tuple[dict[str, Any], Any]] = [
            (t.relations, plan.relation_invalidations),
            (t.memories, plan.memory_invalidations),
        ]
        for table, invalidations in invalidated:
            for inv in invalidations:
                record = table.get(inv.id)
                if record is not None and record.expired_at is None:
                    _edit(table, inv.id, invalid_at=record.invalid_at or inv.invalid_at, expired_at=inv.expired_at)
        for m in plan.memory_updates:
            if m.id in t.memories:
                _edit(t.memories, m.id, text=m.text, hash=m.hash, metadata=dict(m.metadata), updated_at=m.updated_at,
                      embedding=m.embedding)  # fmt: skip
        for relation_id, memory_id in plan.provenance_removals:
            if relation_id in t.relations:
                kept = [i for i in t.relations[relation_id].provenance.memory_ids if i != memory_id]
                _cite(t.relations, relation_id, memory_ids=kept)
        for memory_id, entity_id in plan.mention_removals:
            t.mentions[memory_id] = [e for e in t.mentions.get(memory_id, []) if e != entity_id]
        for memory_id, entity_id in plan.mentions:
            listed = t.mentions.get(memory_id, [])
            if entity_id not in listed:
                t.mentions[memory_id] = [*listed, entity_id]
        known = {h.id for h in t.history}
        t.history = [*t.history, *(h.model_copy(deep=True) for h in plan.history if h.id not in known)]
        self.set_episode_status(plan.episode_id, "done")
        return remap

    @staticmethod
    def _put(table: dict[str, Any], record: Any) -> None:
        """Insert unless the id is there already (a replayed plan changes nothing)."""
        table.setdefault(record.id, record.model_copy(deep=True))

    def _add_aliases(self, entity_id: str, names: Sequence[str]) -> None:
        entity = self.tables.entities.get(entity_id)
        if entity is None:
            return
        aliases = list(entity.aliases)
        taken = {normalize_name(n) for n in [entity.name, *aliases]}
        for name in names:
            if normalize_name(name) not in taken and name != entity.name:
                aliases.append(name)
                taken.add(normalize_name(name))
        if aliases != entity.aliases:
            _edit(self.tables.entities, entity_id, aliases=aliases)

    # -- reads ------------------------------------------------------------------------------------------------------
    @overload
    def get(self, kind: Literal["episode"], ids: Sequence[str], with_embeddings: bool = False) -> list[Episode]: ...
    @overload
    def get(self, kind: Literal["memory"], ids: Sequence[str], with_embeddings: bool = False) -> list[MemoryRecord]: ...
    @overload
    def get(self, kind: Literal["entity"], ids: Sequence[str], with_embeddings: bool = False) -> list[EntityRecord]: ...
    @overload
    def get(
        self, kind: Literal["relation"], ids: Sequence[str], with_embeddings: bool = False
    ) -> list[RelationRecord]: ...
    def get(self, kind: RecordKind, ids: Sequence[str], with_embeddings: bool = False) -> list[Any]:
        with self.tables.lock:
            table = self._table(kind)
            return [self._out(kind, table[i], with_embeddings) for i in ids if i in table]

    @overload
    def select(
        self, kind: Literal["episode"], scope: Scope, include_expired: bool = False, with_embeddings: bool = False
    ) -> list[Episode]: ...
    @overload
    def select(
        self, kind: Literal["memory"], scope: Scope, include_expired: bool = False, with_embeddings: bool = False
    ) -> list[MemoryRecord]: ...
    @overload
    def select(
        self, kind: Literal["entity"], scope: Scope, include_expired: bool = False, with_embeddings: bool = False
    ) -> list[EntityRecord]: ...
    @overload
    def select(
        self, kind: Literal["relation"], scope: Scope, include_expired: bool = False, with_embeddings: bool = False
    ) -> list[RelationRecord]: ...
    def select(
        self, kind: RecordKind, scope: Scope, include_expired: bool = False, with_embeddings: bool = False
    ) -> list[Any]:
        with self.tables.lock:
            found = [r for r in self._table(kind).values() if scope.contains(r.scope)]
            if kind in ("memory", "relation") and not include_expired:
                found = [r for r in found if believed(r)]
            return [self._out(kind, r, with_embeddings) for r in _oldest_first(found)]

    @overload
    def find(self, kind: Literal["memory"], scope: Scope, keys: Sequence[str]) -> dict[str, MemoryRecord]: ...
    @overload
    def find(self, kind: Literal["entity"], scope: Scope, keys: Sequence[str]) -> dict[str, EntityRecord]: ...
    @overload
    def find(
        self, kind: Literal["relation"], scope: Scope, keys: Sequence[RelationKey]
    ) -> dict[RelationKey, RelationRecord]: ...
    def find(self, kind: Literal["memory", "entity", "relation"], scope: Scope, keys: Sequence[Any]) -> dict[Any, Any]:
        wanted = set(keys)
        out: dict[Any, Any] = {}
        with self.tables.lock:
            for record in _oldest_first(r for r in self._table(kind).values() if r.scope == scope):
                if kind == "entity":
                    names = {normalize_name(n) for n in [record.name, *record.aliases]}
                    hits: list[Any] = sorted(names & wanted)
                elif not believed(record):
                    continue
                else:
                    key = record.hash if kind == "memory" else (record.source_id, record.type, record.target_id)
                    hits = [key] if key in wanted else []
                for key in hits:
                    out.setdefault(key, self._out(kind, record, False))
        return out

    def edges(
        self, scope: Scope, entity_ids: Sequence[str], per_entity: int, as_of: datetime | None = None
    ) -> list[RelationRecord]:
        with self.tables.lock:
            visible = [r for r in self.tables.relations.values() if scope.contains(r.scope) and believed(r, as_of)]
            newest_first = sorted(visible, key=lambda r: r.id)
            newest_first.sort(key=lambda r: r.created_at, reverse=True)
            chosen: dict[str, RelationRecord] = {}
            for entity_id in dict.fromkeys(entity_ids):
                touching = [r for r in newest_first if entity_id in (r.source_id, r.target_id)]
                chosen.update((r.id, r) for r in touching[:per_entity])
            return [self._out("relation", r, False) for r in _oldest_first(chosen.values())]

    def mentions(self, memory_ids: Sequence[str]) -> dict[str, list[str]]:
        with self.tables.lock:
            return {m: list(self.tables.mentions[m]) for m in memory_ids if self.tables.mentions.get(m)}

    def history(self, memory_id: str) -> list[HistoryEvent]:
        with self.tables.lock:
            return [h.model_copy(deep=True) for h in self.tables.history if h.memory_id == memory_id]

    # -- deletes ----------------------------------------------------------------------------------------------------
    def delete_memories(self, ids: Sequence[str], events: Sequence[HistoryEvent]) -> None:
        t = self.tables
        gone = set(ids)
        with t.lock:
            now = utcnow()
            for memory_id in gone:
                t.memories.pop(memory_id, None)
                t.mentions.pop(memory_id, None)
            for r in list(t.relations.values()):
                if r.expired_at is None and gone.intersection(r.provenance.memory_ids):
                    kept = [m for m in r.provenance.memory_ids if m not in gone]
                    _cite(t.relations, r.id, memory_ids=kept)
                    if not kept:
                        _edit(t.relations, r.id, expired_at=now)
            t.history = [*t.history, *(h.model_copy(deep=True) for h in events)]

    def delete_scope(self, scope: Scope, events: Sequence[HistoryEvent] = ()) -> int:
        t = self.tables
        with t.lock:
            t.history = [*t.history, *(h.model_copy(deep=True) for h in events)]
            memory_ids = [i for i, m in t.memories.items() if scope.contains(m.scope)]
            for memory_id in memory_ids:
                del t.memories[memory_id]
                t.mentions.pop(memory_id, None)
            tables: list[dict[str, Any]] = [t.entities, t.relations, t.episodes]
            for table in tables:
                for ident in [i for i, r in table.items() if scope.contains(r.scope)]:
                    del table[ident]
            return len(memory_ids)

    def reset(self) -> None:
        with self.tables.lock:
            fresh = Tables()
            for name in _DATA:
                setattr(self.tables, name, getattr(fresh, name))

    def close(self) -> None:
        """Nothing to release: the tables outlive the handle, as a database outlives its connection."""

    # -- helpers ----------------------------------------------------------------------------------------------------
    def _table(self, kind: RecordKind) -> dict[str, Any]:
        tables: dict[str, dict[str, Any]] = {
            "episode": self.tables.episodes,
            "memory": self.tables.memories,
            "entity": self.tables.entities,
            "relation": self.tables.relations,
        }
        return tables[kind]

    def _out(self, kind: RecordKind, record: Any, with_embeddings: bool) -> Any:
        if kind == "episode":
            return record.model_copy(deep=True)
        out = _copy(record, with_embeddings)
        if kind == "relation":  # the ends' names as stored now (settling may have merged an end into another)
            for end, name in (("source_id", "source"), ("target_id", "target")):
                entity = self.tables.entities.get(getattr(record, end))
                if entity is not None:
                    setattr(out, name, entity.name)
        return out
