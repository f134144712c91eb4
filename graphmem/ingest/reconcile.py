"""Keeping the graph true as things change: deterministic decisions first, ONE model call for the rest.

Deterministic: an exact duplicate fact is linked (NONE); an entity whose name embedding is nearly identical
(and whose type is compatible) is merged; a new relation of an exclusive type ("lives in", "married to", ...)
invalidates the subject's current relation of that type to something else. What stays ambiguous (similar facts,
similar entity names, a second relation of a non-exclusive type) goes to one reconciliation call for the whole
episode, and only against candidates that share an entity or read alike. Contradicted records get
``invalid_at``/``expired_at``; nothing is deleted.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from graphmem.models import EntityRecord, MemoryRecord, RelationRecord

# Relation types a subject holds at most one of at a time: a new one replaces the old ("latest wins").
EXCLUSIVE_TYPES = frozenset({"LIVES_IN", "MARRIED_TO", "ENGAGED_TO", "REPORTS_TO", "HAS_NAME"})
EXCLUSIVE_PREFIXES = ("FAVORITE_",)
_GENERIC_TYPES = frozenset({"Entity", "Thing", "Concept"})


def exclusive(relation_type: str) -> bool:
    return relation_type in EXCLUSIVE_TYPES or relation_type.startswith(EXCLUSIVE_PREFIXES)


def types_compatible(a: str, b: str) -> bool:
    return a == b or a in _GENERIC_TYPES or b in _GENERIC_TYPES


# ---- what the reconciliation call sees and answers --------------------------------------------------------------


class FactDecision(BaseModel):
    fact: int = Field(description="index of the new fact")
    action: Literal["ADD", "NONE", "UPDATE", "INVALIDATE"]
    target_id: str | None = Field(default=None, description="existing memory id for NONE/UPDATE/INVALIDATE")
    text: str | None = Field(default=None, description="merged text for UPDATE")


class RelationDecision(BaseModel):
    relation: int = Field(description="index of the new relation")
    action: Literal["ADD", "NONE", "INVALIDATE"]
    invalidates: list[str] = Field(default_factory=list, description="existing relation ids it replaces")


class EntityDecision(BaseModel):
    entity: int = Field(description="index of the new entity")
    same_as: str | None = Field(default=None, description="existing entity id, or null for a new entity")


class Reconciliation(BaseModel):
    facts: list[FactDecision] = Field(default_factory=list)
    relations: list[RelationDecision] = Field(default_factory=list)
    entities: list[EntityDecision] = Field(default_factory=list)


@dataclass
class Question:
    """Ambiguous items of one episode with their candidates (indexes refer to the draft's lists)."""

    facts: dict[int, list[MemoryRecord]] = field(default_factory=dict)
    relations: dict[int, list[RelationRecord]] = field(default_factory=dict)
    entities: dict[int, list[EntityRecord]] = field(default_factory=dict)

    def empty(self) -> bool:
        return not (self.facts or self.relations or self.entities)


def question_payload(
    q: Question, facts: list[str], relations: list[tuple[str, str, str, str]], entities: list[tuple[str, str]]
) -> str:
    """The user message of the reconciliation call: JSON, only the ambiguous items and their candidates."""
    payload = {
        "new_facts": [{"index": i, "text": facts[i],
                       "candidates": [{"id": m.id, "text": m.text} for m in q.facts[i]]} for i in sorted(q.facts)],
        "new_relations": [{"index": i, "source": relations[i][0], "type": relations[i][1], "target": relations[i][2],
                           "fact": relations[i][3],
                           "candidates": [{"id": r.id, "source": r.source, "type": r.type, "target": r.target,
                                           "fact": r.fact} for r in q.relations[i]]} for i in sorted(q.relations)],
        "new_entities": [{"index": i, "name": entities[i][0], "type": entities[i][1],
                          "candidates": [{"id": e.id, "name": e.name, "type": e.type, "aliases": e.aliases}
                                         for e in q.entities[i]]} for i in sorted(q.entities)],
    }  # fmt: skip
    return json.dumps(payload, ensure_ascii=False)


@dataclass
class Verdicts:
    """Decisions that passed validation: every id is one of the candidates the model was shown."""

    facts: dict[int, FactDecision] = field(default_factory=dict)
    relations: dict[int, RelationDecision] = field(default_factory=dict)
    entities: dict[int, str] = field(default_factory=dict)


def accept(q: Question, answer: Reconciliation) -> Verdicts:
    """Keep only decisions about items asked, naming candidates offered; anything else falls back to ADD."""
    verdicts = Verdicts()
    for f in answer.facts:
        offered = {m.id for m in q.facts.get(f.fact, [])}
        if f.fact in q.facts and (f.action == "ADD" or f.target_id in offered):
            if f.action == "UPDATE" and not (f.text and f.text.strip()):
                continue
            verdicts.facts[f.fact] = f
    for r in answer.relations:
        offered = {x.id for x in q.relations.get(r.relation, [])}
        if r.relation in q.relations:
            kept = [i for i in r.invalidates if i in offered]
            verdicts.relations[r.relation] = r.model_copy(update={"invalidates": kept})
    for e in answer.entities:
        offered = {x.id for x in q.entities.get(e.entity, [])}
        if e.entity in q.entities and e.same_as in offered:
            verdicts.entities[e.entity] = e.same_as
    return verdicts


def invalid_time(valid_at: datetime | None, now: datetime) -> datetime:
    """When a replaced record stopped being true: when its replacement started, else now."""
    return valid_at if valid_at is not None and valid_at <= now else now
