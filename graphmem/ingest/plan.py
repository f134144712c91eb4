"""Deciding what an ``add`` writes: pure functions from an extraction and store candidates to a ``WritePlan``.

No I/O here, so the same decisions serve every backend, ``Memory`` and ``AsyncMemory`` alike. Ids are derived from
the episode id, which makes a replayed episode write the same rows (and so change nothing).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

from graphmem.models import (
    EntityRecord,
    Episode,
    ExtractedRelation,
    Extraction,
    HistoryEvent,
    MemoryRecord,
    Message,
    Provenance,
    RelationRecord,
    normalize_entity_type,
    normalize_name,
    normalize_relation_type,
)
from graphmem.results import MemoryEvent, RelationView
from graphmem.stores.base import Invalidation, RelationUpdate, WritePlan
from graphmem.vocab import type_phrase

_NAMESPACE = uuid.UUID("6f1c52a4-6b8e-4b8e-9a53-0b6f8f3c2d11")
_NAMESPACE_BYTES = _NAMESPACE.bytes


def derived_id(episode_id: str, *parts: str) -> str:
    """``str(uuid.uuid5(_NAMESPACE, "\\x1f".join((episode_id, *parts))))``, computed without the UUID object (a bulk
    load derives one per relation and entity): SHA-1 of namespace and name, version 5 and RFC 4122 variant bits."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + "\x1f".join((episode_id, *parts)).encode("utf-8")).digest())
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    x = digest[:16].hex()
    return f"{x[:8]}-{x[8:12]}-{x[12:16]}-{x[16:20]}-{x[20:]}"


def text_hash(text: str) -> str:
    """Duplicate detection key: the same words in the same order, ignoring case and spacing."""
    return hashlib.md5(" ".join(text.split()).casefold().encode("utf-8")).hexdigest()


@dataclass
class FactDraft:
    text: str
    hash: str
    entities: list[str]  # normalized names
    message: Message | None
    categories: list[str] = field(default_factory=list)  # what the extractor assigned (an LLM may; rules do not)


def split_categories(metadata: dict[str, Any]) -> tuple[list[str], dict[str, Any]]:
    """The caller's categories and the rest of the metadata.

    ``metadata["categories"]`` names the memory's categories, as in mem0: it fills the built-in ``categories``
    field (which ``filters={"categories": ...}`` reads) instead of a metadata key that field would hide. It is lifted
    at plan time, not when ``add`` is called, so the episode keeps the metadata exactly as received and a replayed
    episode (``retry_failed``, import) categorizes its memories the same way.
    """
    raw = metadata.get("categories")
    listed = [raw] if isinstance(raw, str) else raw
    if not isinstance(listed, list) or not all(isinstance(c, str) for c in listed):
        return [], dict(metadata)  # not categories (only an episode older than input validation holds such a value)
    return merge_categories(listed), {k: v for k, v in metadata.items() if k != "categories"}


def merge_categories(*groups: list[str]) -> list[str]:
    """Categories in order of first appearance, whitespace collapsed, one per spelling ignoring case."""
    merged: dict[str, str] = {}
    for group in groups:
        for category in group:
            label = " ".join(category.split())
            if label:
                merged.setdefault(label.casefold(), label)
    return list(merged.values())


@dataclass
class EntityDraft:
    name: str
    normalized: str
    type: str
    aliases: list[str] = field(default_factory=list)


@dataclass
class RelationDraft:
    source: str  # normalized names
    type: str
    target: str
    fact: str
    valid_at: datetime | None
    invalid_at: datetime | None
    embed_text: str = ""  # what the relation's embedding is made from: its fact, or its type phrase

    def __post_init__(self) -> None:
        self.embed_text = self.embed_text or self.fact


@dataclass
class Draft:
    """An extraction cleaned up: types normalized, endpoints present as entities, duplicates dropped."""

    facts: list[FactDraft]
    entities: dict[str, EntityDraft]
    relations: list[RelationDraft]


def draft(extraction: Extraction, messages: list[Message], by_type: bool = False) -> Draft:
    """``by_type`` embeds relations by their type phrase (bulk-loaded triples: one text per type, not per
    triple); otherwise by their fact sentence."""
    entities: dict[str, EntityDraft] = {}
    keys: dict[str, str] = {}  # name -> normalized, each distinct spelling worked out once (bulk loads repeat them)
    entity_types: dict[str | None, str] = {}
    for e in extraction.entities:
        key = _memo(keys, e.name, normalize_name)
        if not key:
            continue
        kind = _memo(entity_types, e.type, normalize_entity_type)
        known = entities.get(key)
        if known is None:
            known = entities[key] = EntityDraft(e.name.strip(), key, kind)
        elif known.type == "Entity":
            known.type = kind
        if e.aliases:
            known.aliases.extend(a for a in e.aliases if normalize_name(a) and a not in known.aliases)
    relations: list[RelationDraft] = []
    seen_relations: set[tuple[str, str, str]] = set()
    types: dict[str, str] = {}  # each distinct relation type normalized once (bulk loads repeat a few types)
    for r in extraction.relations:
        relation = _relation(r, entities, types, keys)
        if relation is not None and (relation.source, relation.type, relation.target) not in seen_relations:
            seen_relations.add((relation.source, relation.type, relation.target))
            if by_type:
                relation.embed_text = type_phrase(relation.type)
            relations.append(relation)
    facts: dict[str, FactDraft] = {}  # by hash
    for f in extraction.facts:
        text = " ".join(f.text.split())
        digest = text_hash(text)
        if not text:
            continue
        if digest in facts:  # the same fact twice: one memory, with the categories of both
            facts[digest].categories = merge_categories(facts[digest].categories, f.categories)
            continue
        names = [k for k in (normalize_name(n) for n in f.entities) if k]
        for name, key in zip(f.entities, names, strict=False):
            entities.setdefault(key, EntityDraft(name.strip(), key, "Entity"))
        message = _message_of(f.message_index, messages)
        facts[digest] = FactDraft(text, digest, list(dict.fromkeys(names)), message, merge_categories(f.categories))
    return Draft(list(facts.values()), entities, relations)


K = TypeVar("K")


def _memo(seen: dict[K, str], value: K, work: Callable[[K], str]) -> str:
    found = seen.get(value)
    if found is None:
        found = seen[value] = work(value)
    return found


def _relation(
    r: ExtractedRelation, entities: dict[str, EntityDraft], types: dict[str, str], keys: dict[str, str]
) -> RelationDraft | None:
    source, target = _memo(keys, r.source, normalize_name), _memo(keys, r.target, normalize_name)
    if not source or not target:
        return None
    if source not in entities:
        entities[source] = EntityDraft(r.source.strip(), source, "Entity")
    if target not in entities:
        entities[target] = EntityDraft(r.target.strip(), target, "Entity")
    rel_type = _memo(types, r.type, normalize_relation_type)
    return RelationDraft(source, rel_type, target, " ".join(r.fact.split()), r.valid_at, r.invalid_at)


def _message_of(index: int | None, messages: list[Message]) -> Message | None:
    if index is not None and 0 <= index < len(messages):
        return messages[index]
    speakers = [m for m in messages if m.role not in ("system", "assistant")] or messages
    return speakers[0] if speakers else None


def actor_of(message: Message | None) -> str | None:
    return None if message is None else (message.actor_id or message.name)


@dataclass
class Resolved:
    """Entity keys mapped to ids: existing ones from the store, new ones with fresh derived ids."""

    ids: dict[str, str]
    new: list[EntityDraft]
    new_aliases: list[tuple[str, str]]

    def merge(self, key: str, existing: EntityRecord, entity: EntityDraft) -> None:
        """Resolve a would-be new entity to an existing one; its names become aliases there."""
        if key in self.ids:  # it was a new entity (else it is being resolved now): drop it from the new ones
            self.new = [e for e in self.new if e.normalized != key]
        self.ids[key] = existing.id
        known = {existing.normalized, *(normalize_name(a) for a in existing.aliases)}
        for alias in [entity.name, *entity.aliases]:
            if normalize_name(alias) not in known:
                known.add(normalize_name(alias))
                self.new_aliases.append((existing.id, alias))


def resolve_entities(d: Draft, episode_id: str, found: dict[str, EntityRecord]) -> Resolved:
    """Exact normalized name or alias match within the scope merges; anything else is a new entity."""
    resolved = Resolved({}, [], [])
    for key, entity in d.entities.items():
        existing = found.get(key) or next(
            (found[normalize_name(a)] for a in entity.aliases if normalize_name(a) in found), None
        )
        if existing is None:
            resolved.ids[key] = derived_id(episode_id, "entity", key)
            resolved.new.append(entity)
        else:
            resolved.merge(key, existing, entity)
    return resolved


def relation_keys(d: Draft, resolved: Resolved) -> list[tuple[str, str, str]]:
    return [(resolved.ids[r.source], r.type, resolved.ids[r.target]) for r in d.relations]


@dataclass
class Embeddings:
    """Vectors for the texts a plan writes, keyed by text (each distinct text embedded once)."""

    by_text: dict[str, list[float]]

    def get(self, text: str) -> list[float] | None:
        return self.by_text.get(text)


def restated(duplicates: dict[str, MemoryRecord], metadata: dict[str, Any]) -> list[MemoryRecord]:
    """Stored memories an add says again with metadata they lack or hold otherwise: ``build_plan`` merges the new
    metadata into them (new keys win), so re-adding a text with new metadata is never silently ignored. The update
    rewrites the memory's row, vector included: their texts are embedded with the add's others (the same vector)."""
    _, fresh = split_categories(metadata)
    return [m for m in duplicates.values() if {**m.metadata, **fresh} != m.metadata]


def texts_to_embed(d: Draft, resolved: Resolved, new_fact_hashes: set[str]) -> list[str]:
    """Every distinct text the add may write an embedding for, so they are embedded once, in one batch."""
    texts = [f.text for f in d.facts if f.hash in new_fact_hashes]
    texts += [e.name for e in resolved.new]
    texts += [r.embed_text for r in d.relations]
    return list(dict.fromkeys(texts))


@dataclass
class Changes:
    """What reconciliation decided about existing records (all empty when nothing conflicts)."""

    fact_updates: dict[str, tuple[MemoryRecord, str]] = field(default_factory=dict)  # fact hash -> (target, text)
    memory_invalidations: list[tuple[MemoryRecord, datetime]] = field(default_factory=list)
    relation_invalidations: list[tuple[RelationRecord, datetime]] = field(default_factory=list)
    skip_relations: set[int] = field(default_factory=set)  # indexes into Draft.relations


@dataclass
class Outcome:
    """The plan, plus what ``add`` reports: per-memory events and the relations added and invalidated."""

    plan: WritePlan
    results: list[MemoryEvent]
    added: list[RelationView]
    invalidated: list[RelationView]


def build_plan(
    *,
    episode: Episode,
    d: Draft,
    resolved: Resolved,
    duplicates: dict[str, MemoryRecord],
    existing_relations: dict[tuple[str, str, str], str],
    vectors: Embeddings,
    metadata: dict[str, Any],
    now: datetime,
    changes: Changes | None = None,
) -> Outcome:
    changes = changes or Changes()
    categories, metadata = split_categories(metadata)
    plan = WritePlan(episode_id=episode.id)
    results: list[MemoryEvent] = []
    memory_of_fact: dict[str, str] = {}
    for i, f in enumerate(d.facts):
        if f.hash in changes.fact_updates:
            target, text = changes.fact_updates[f.hash]
            memory_of_fact[f.hash] = target.id
            plan.memory_episode_links.append((target.id, episode.id))
            plan.memory_updates.append(
                target.model_copy(
                    update={
                        "text": text,
                        "hash": text_hash(text),
                        "updated_at": now,
                        "embedding": vectors.get(text),
                        "categories": merge_categories(target.categories, categories, f.categories),
                    }
                )
            )
            plan.history.append(
                HistoryEvent.updated(derived_id(episode.id, "history", target.id), target, text, now,
                                     actor_id=actor_of(f.message), role=f.message.role if f.message else None)
            )  # fmt: skip
            results.append(MemoryEvent.updated(target, text))
            continue
        dup = duplicates.get(f.hash)
        if dup is not None:
            memory_of_fact[f.hash] = dup.id
            plan.memory_episode_links.append((dup.id, episode.id))
            merged = {**dup.metadata, **metadata}
            vector = vectors.get(dup.text)  # embedded only for a restated memory (``restated``): stored unchanged
            if merged != dup.metadata and vector is not None:
                plan.memory_updates.append(dup.model_copy(update={"metadata": merged, "embedding": vector}))
                results.append(MemoryEvent.restated(dup, merged))
            else:
                results.append(MemoryEvent(id=dup.id, memory=dup.text, event="NONE"))
            continue
        memory_id = derived_id(episode.id, "memory", str(i), f.hash)
        memory_of_fact[f.hash] = memory_id
        actor, role = actor_of(f.message), (f.message.role if f.message else None)
        memory = MemoryRecord(
            id=memory_id,
            text=f.text,
            hash=f.hash,
            scope=episode.scope,
            metadata=dict(metadata),
            categories=merge_categories(categories, f.categories),  # the caller's first
            actor_id=actor,
            role=role,
            created_at=now + timedelta(microseconds=i),  # "oldest first" lists one add's facts in the order said
            episode_ids=[episode.id],
            embedding=vectors.get(f.text),
        )
        plan.memories.append(memory)
        plan.history.append(HistoryEvent.added(derived_id(episode.id, "history", memory_id), memory))
        results.append(MemoryEvent.added(memory))
    for entity in resolved.new:
        record = EntityRecord(
            id=resolved.ids[entity.normalized],
            name=entity.name,
            normalized=entity.normalized,
            type=entity.type,
            aliases=entity.aliases,
            scope=episode.scope,
            created_at=now,
        )
        record.embedding = vectors.get(entity.name)  # assigned, not validated: the batch's own vector, uncopied
        plan.entities.append(record)
    plan.entity_aliases.extend(resolved.new_aliases)
    for f in d.facts:
        plan.mentions.extend((memory_of_fact[f.hash], resolved.ids[key]) for key in f.entities)
    for target, invalid_at in changes.memory_invalidations:
        plan.memory_invalidations.append(Invalidation(id=target.id, invalid_at=invalid_at, expired_at=now))
        plan.history.append(HistoryEvent.invalidated(derived_id(episode.id, "history", target.id), target, now))
        results.append(MemoryEvent(id=target.id, memory=target.text, event="INVALIDATE"))
    invalidated: list[RelationView] = []
    for relation, invalid_at in changes.relation_invalidations:
        plan.relation_invalidations.append(Invalidation(id=relation.id, invalid_at=invalid_at, expired_at=now))
        invalidated.append(RelationView.invalidated(relation, invalid_at))
    added: list[RelationView] = []
    unsupported = Provenance(episode_ids=[episode.id])  # relations no memory supports (known triples) share one
    for index, (r, key) in enumerate(zip(d.relations, relation_keys(d, resolved), strict=True)):
        if index in changes.skip_relations:
            continue
        memory_ids = _supporting_memories(r, d, memory_of_fact) if d.facts else []  # known triples: no facts
        if memory_ids:
            plan.mentions.extend((m, resolved.ids[end]) for m in memory_ids for end in (r.source, r.target))
        if key in existing_relations:
            plan.relation_updates.append(
                RelationUpdate(relation_id=existing_relations[key], memory_ids=memory_ids, episode_ids=[episode.id])
            )
            continue
        actor = (
            actor_of(next((f.message for f in d.facts if memory_of_fact[f.hash] in memory_ids), None))
            if memory_ids
            else None
        )
        source_name, target_name = d.entities[r.source].name, d.entities[r.target].name
        relation = RelationRecord(
            id=derived_id(episode.id, "relation", *key),
            source_id=key[0],
            target_id=key[2],
            source=source_name,
            target=target_name,
            type=r.type,
            fact=r.fact,
            scope=episode.scope,
            created_at=now,
            valid_at=r.valid_at,
            invalid_at=r.invalid_at,
            provenance=(
                Provenance(memory_ids=memory_ids, episode_ids=[episode.id], actor_id=actor)
                if memory_ids or actor
                else unsupported
            ),
        )
        # Assigned, not validated: relations embedded by their type phrase share one vector object, which the
        # stores then convert once per distinct vector rather than once per relation.
        relation.embedding = vectors.get(r.embed_text)
        plan.relations.append(relation)
        added.append(RelationView.named(source_name, r.type, target_name, r.fact))
    plan.mentions = list(dict.fromkeys(plan.mentions))
    return Outcome(plan, results, added, invalidated)


def _supporting_memories(r: RelationDraft, d: Draft, memory_of_fact: dict[str, str]) -> list[str]:
    """The memories a relation came from: facts naming both ends, else its fact text, else facts naming one end."""
    both = [memory_of_fact[f.hash] for f in d.facts if r.source in f.entities and r.target in f.entities]
    if both:
        return list(dict.fromkeys(both))
    same = [memory_of_fact[f.hash] for f in d.facts if f.hash == text_hash(r.fact)]
    if same:
        return same
    one = [memory_of_fact[f.hash] for f in d.facts if r.source in f.entities or r.target in f.entities]
    return list(dict.fromkeys(one))[:1]
