"""Settling a plan against what concurrent writers committed since it was decided (run inside ``apply``).

An ``add`` resolves entities, duplicate facts and existing relations before its write transaction opens, so two
writers in one scope may both decide to create the same entity (or memory, or relation) under their own derived
ids. Each store calls ``settle`` inside its one write transaction, after taking its write lock, with lookups that
read through that transaction: records another writer committed in the meantime win, the plan's own copies are
dropped, and every reference to them (relations, mentions, provenance, aliases) is remapped to the winner, so no
relation points at an entity that was never written and no fact is stored twice. The same rule on every backend.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from graphmem.errors import StoreConflict
from graphmem.models import EntityRecord, MemoryRecord, RelationRecord, Scope
from graphmem.stores.base import RelationUpdate, WritePlan

# (scope, normalized names) -> {normalized name: id of the entity of exactly that scope answering to it}
EntityLookup = Callable[[Scope, Sequence[str]], dict[str, str]]
# (scope, hashes) -> {hash: id of the current memory of exactly that scope}
MemoryLookup = Callable[[Scope, Sequence[str]], dict[str, str]]
# (scope, (source_id, type, target_id) keys) -> {key: id of the current relation of exactly that scope}
RelationLookup = Callable[[Scope, Sequence[tuple[str, str, str]]], dict[tuple[str, str, str], str]]
R = TypeVar("R", EntityRecord, MemoryRecord, RelationRecord)


def settle(
    plan: WritePlan, entities: EntityLookup, memories: MemoryLookup, relations: RelationLookup
) -> tuple[WritePlan, dict[str, str]]:
    """The plan rewritten onto the records already stored, and {plan id: stored id} for every id replaced (empty
    when nothing raced). ``plan`` itself is left as it was (a retried transaction settles it afresh); records that
    change are copies. The lookups run only for what the plan creates."""
    out = plan.model_copy()
    remap: dict[str, str] = {}
    _settle_entities(out, entities, remap)
    _settle_memories(out, memories, remap)
    if remap:
        _rewrite_references(out, remap)
    _settle_relations(out, relations, remap)
    _check_updates(out, memories)
    return out, remap


def _check_updates(plan: WritePlan, lookup: MemoryLookup) -> None:
    """A memory whose new text is another current memory's fact would be a second copy of it: refused, on every
    backend alike (the embedded store's unique index would refuse it too)."""
    for scope, group in _by_scope(plan.memory_updates).items():
        found = lookup(scope, [m.hash for m in group])
        for m in group:
            if found.get(m.hash, m.id) != m.id:
                raise StoreConflict(f"memory {m.id!r} would say exactly what memory {found[m.hash]!r} says")


def _settle_entities(plan: WritePlan, lookup: EntityLookup, remap: dict[str, str]) -> None:
    aliases = list(plan.entity_aliases)
    for scope, group in _by_scope(plan.entities).items():
        found = lookup(scope, [e.normalized for e in group])
        for entity in group:
            winner = found.get(entity.normalized)
            if winner is not None and winner != entity.id:
                remap[entity.id] = winner
                aliases.extend((winner, name) for name in [entity.name, *entity.aliases])
    plan.entities = [e for e in plan.entities if e.id not in remap]
    plan.entity_aliases = aliases


def _settle_memories(plan: WritePlan, lookup: MemoryLookup, remap: dict[str, str]) -> None:
    links = list(plan.memory_episode_links)
    dropped: set[str] = set()
    for scope, group in _by_scope(plan.memories).items():
        found = lookup(scope, [m.hash for m in group])
        for memory in group:
            winner = found.get(memory.hash)
            if winner is not None and winner != memory.id:
                remap[memory.id] = winner
                dropped.add(memory.id)
                links.extend((winner, e) for e in memory.episode_ids)
    if dropped:
        plan.memories = [m for m in plan.memories if m.id not in dropped]
        plan.memory_episode_links = list(dict.fromkeys(links))
        # The winner's own ADD event stands; the dropped copy was never added.
        plan.history = [h for h in plan.history if not (h.memory_id in dropped and h.event == "ADD")]


def _rewrite_references(plan: WritePlan, remap: dict[str, str]) -> None:
    def to(i: str) -> str:
        return remap.get(i, i)

    def ids(items: Sequence[str]) -> list[str]:
        return list(dict.fromkeys(to(i) for i in items))

    plan.entity_aliases = list(dict.fromkeys((to(i), alias) for i, alias in plan.entity_aliases))
    plan.mentions = list(dict.fromkeys((to(m), to(e)) for m, e in plan.mentions))
    plan.relations = [_relinked(r, to(r.source_id), to(r.target_id), ids(r.provenance.memory_ids))
                      for r in plan.relations]  # fmt: skip
    plan.relation_updates = [u.model_copy(update={"memory_ids": ids(u.memory_ids)}) for u in plan.relation_updates]


def _relinked(r: RelationRecord, source_id: str, target_id: str, memory_ids: list[str]) -> RelationRecord:
    provenance = r.provenance.model_copy(update={"memory_ids": memory_ids})  # copied: plans share Provenance objects
    return r.model_copy(update={"source_id": source_id, "target_id": target_id, "provenance": provenance})


def _settle_relations(plan: WritePlan, lookup: RelationLookup, remap: dict[str, str]) -> None:
    """A relation whose (source, type, target) is current already, or twice in this plan, becomes more provenance
    for the first one instead of a second edge. Only keys between entities that existed before this plan can be
    stored already; a relation touching an entity the plan creates is looked up nowhere."""
    if not plan.relations:
        return
    created = {e.id for e in plan.entities}
    first: dict[tuple[str, str, str], str] = {}
    for scope, group in _by_scope(plan.relations).items():
        keys = [_key(r) for r in group if r.source_id not in created and r.target_id not in created]
        first.update(lookup(scope, list(dict.fromkeys(keys))) if keys else {})
    keep: list[RelationRecord] = []
    updates = list(plan.relation_updates)
    for r in plan.relations:
        winner = first.setdefault(_key(r), r.id)
        if winner == r.id:
            keep.append(r)
            continue
        remap[r.id] = winner
        updates.append(RelationUpdate(relation_id=winner, memory_ids=r.provenance.memory_ids,
                                      episode_ids=r.provenance.episode_ids))  # fmt: skip
    plan.relations, plan.relation_updates = keep, updates


def _key(r: RelationRecord) -> tuple[str, str, str]:
    return (r.source_id, r.type, r.target_id)


def _by_scope(records: Sequence[R]) -> dict[Scope, list[R]]:
    out: dict[Scope, list[R]] = {}
    for r in records:
        out.setdefault(r.scope, []).append(r)
    return out
