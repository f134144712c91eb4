"""The one logical data model shared by every backend, plus the extraction structure (DESIGN §2, §3).

Domain records are pydantic models so that they validate at the edges and serialize the same way everywhere.
Timestamps are timezone-aware UTC datetimes.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ModelWrapValidatorHandler, PrivateAttr, model_validator
from pydantic import ValidationError as PydanticValidationError

from graphmem.errors import ValidationError

RELATION_TYPE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,63}$")
ENTITY_TYPE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def as_utc(value: datetime) -> datetime:
    """Aware UTC, so naive and aware datetimes compare instead of raising; naive ones are taken as UTC."""
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def parse_datetime(value: Any) -> datetime | None:
    """An aware UTC datetime from a datetime or ISO-8601 string (``Z`` allowed, naive = UTC); else ``None``."""
    if isinstance(value, datetime):
        return as_utc(value)
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    try:
        return as_utc(datetime.fromisoformat(text))
    except ValueError:
        return None


def normalize_relation_type(raw: str) -> str:
    """Turn 'works at' / 'worksAt' / 'WORKS-AT' into 'WORKS_AT'; raise if the result is not a safe type name.

    Relation types end up as graph edge types on some backends, so they are validated before any query sees them
    (DESIGN §8).
    """
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", raw.strip())
    text = re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_").upper()
    if not RELATION_TYPE_RE.match(text):
        raise ValidationError("relation.type", f"{raw!r} is not a valid relation type (want letters, digits, _)")
    return text


def normalize_entity_type(raw: str | None) -> str:
    """Entity types are labels on graph backends: 'software company' -> 'Software_company'; empty -> 'Entity'."""
    if not raw or not raw.strip():
        return "Entity"
    text = re.sub(r"[^A-Za-z0-9]+", "_", raw.strip()).strip("_")
    text = text[:1].upper() + text[1:]
    if not ENTITY_TYPE_RE.match(text):
        raise ValidationError("entity.type", f"{raw!r} is not a valid entity type (want letters, digits, _)")
    return text


def normalize_name(name: str) -> str:
    """The key entities are matched on: case-folded, whitespace collapsed, surrounding punctuation dropped."""
    text = " ".join(name.split()).casefold()
    return text.strip(" .,;:!?\"'()[]{}")


class Scope(BaseModel):
    """Who a record belongs to. Every read and write carries one; ``None`` fields are unconstrained on reads.

    ``tenant`` is the service's fence (issue 12): unlike the three ids it is never free, so a read sees only its own
    tenant's records, whatever ids it names. The library's own tenant is ``""``; ``Memory.for_tenant`` sets another.
    It is not one of mem0's scope ids: ``as_dict`` and the API dicts leave it out."""

    model_config = ConfigDict(frozen=True)

    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    tenant: str = ""

    def is_empty(self) -> bool:
        return self.user_id is None and self.agent_id is None and self.run_id is None

    def as_dict(self) -> dict[str, str | None]:
        return {"user_id": self.user_id, "agent_id": self.agent_id, "run_id": self.run_id}

    def contains(self, other: Scope) -> bool:
        """True when a record stored under ``other`` is visible to a read under ``self``: the same tenant, and
        each id of ``self`` free or equal."""
        return self.tenant == other.tenant and all(
            mine is None or mine == theirs for mine, theirs in zip(self.key(), other.key(), strict=True)
        )

    def key(self) -> tuple[str | None, str | None, str | None]:
        return (self.user_id, self.agent_id, self.run_id)


class Message(BaseModel):
    """One normalized conversation message. ``images`` keeps image parts by reference (never dropped)."""

    role: str = "user"
    content: str = ""
    name: str | None = None
    actor_id: str | None = None
    images: list[str] = Field(default_factory=list)


TRIPLES_ROLE = "triples"  # the message of an ``add_triples`` episode: the triples as a JSON array of objects
GIVEN_ROLE = "extraction"  # the last message of an add with triples/facts (ingest.given): what was given, as JSON


class Episode(BaseModel):
    """The raw input exactly as received: written before extraction so nothing a user sends is lost.

    A conversation (``add``) keeps its messages. Known triples (``add_triples``, ``source="triples"``) keep one
    message of role ``"triples"`` whose content is the triples as JSON (see ``triples_message``): structured data,
    so no name (holding " | ", a newline, quotes, any unicode) can be mistaken for a separator and an export gives
    back exactly what was loaded. Episodes stored by older versions hold one ``"data"`` message of
    ``source | TYPE | target`` lines instead; ``triples()`` still reads those, as before. An ``add`` with its own
    ``triples``/``facts`` (``source="given"``) keeps its messages and, last, one of role ``"extraction"`` holding
    what was given (``given()``); ``conversation()`` is the messages without it.
    """

    id: str
    scope: Scope
    messages: list[Message]
    source: str = "message"
    metadata: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime
    status: Literal["pending", "done", "failed"] = "pending"
    error: str | None = None

    @staticmethod
    def triples_message(extraction: Extraction) -> Message:
        """Known triples as the episode keeps them: one object per triple with ``source``, ``relationship``,
        ``destination``, ``fact`` and, when set, ``source_type``, ``destination_type`` (the entity's type) and
        ``valid_at`` (ISO-8601): the shape ``add_triples`` takes, so replaying it rebuilds the same graph."""
        return Message(role=TRIPLES_ROLE, content=json.dumps(Episode.triple_rows(extraction), ensure_ascii=False))

    @staticmethod
    def triple_rows(extraction: Extraction) -> list[dict[str, Any]]:
        """The relations of ``extraction`` as the objects an episode keeps (``triples_message``, ``given``)."""
        from graphmem.results import RelationView  # results build on these models: imported when first used

        types = {e.name: e.type for e in extraction.entities}
        return [
            RelationView.triple(r.source, r.type, r.target, r.fact, types.get(r.source, "Entity"),
                                types.get(r.target, "Entity"), r.valid_at).api()
            for r in extraction.relations
        ]  # fmt: skip

    def given(self) -> dict[str, Any] | None:
        """The ``triples`` and ``facts`` an add was given (``ingest.given``), each None when not given; None for an
        episode that was extracted or stored verbatim."""
        if self.source != "given" or not self.messages or self.messages[-1].role != GIVEN_ROLE:
            return None
        kept: dict[str, Any] = json.loads(self.messages[-1].content)
        return kept

    def conversation(self) -> list[Message]:
        """The messages as the caller sent them (without the kept extraction of a ``given`` episode)."""
        return self.messages[:-1] if self.given() is not None else self.messages

    def triples(self) -> list[Any] | None:
        """The triples of an ``add_triples`` episode (None for a conversation): a list of objects, or, for an
        episode stored by an older version, ``[source, type, target]`` lists parsed from its text lines."""
        if self.source != "triples":
            return None
        if self.messages and self.messages[0].role == TRIPLES_ROLE:
            rows: list[Any] = json.loads(self.messages[0].content)
            return rows
        lines = self.messages[0].content.splitlines() if self.messages else []
        return [[part.strip() for part in line.split(" | ", 2)] for line in lines]


class Origin(BaseModel):
    """An exported episode's identity, which ``import_`` writes back: the records are dated ``created_at`` (so
    ``as_of`` answers as before the export) and, with ``episode_id``, keep the ids derived from it."""

    model_config = ConfigDict(frozen=True)

    episode_id: str | None = None
    created_at: datetime


class Dated(Protocol):
    """What the "believed?" rule reads: memories and relations both carry these four times."""

    created_at: datetime
    valid_at: datetime | None
    invalid_at: datetime | None
    expired_at: datetime | None


def believed(record: Dated, as_of: datetime | None = None, now: datetime | None = None) -> bool:
    """The one "is this record current?" rule in Python (the SQL and Cypher stores render the same rule once each).

    Current (``as_of`` None): not expired, and not invalid by now (an ``invalid_at`` in the future still holds).
    At ``as_of``: created by then, not yet expired then, valid from then on, and not yet invalid then."""
    if as_of is None:
        moment = now or utcnow()
        return record.expired_at is None and (record.invalid_at is None or record.invalid_at > moment)
    return (
        record.created_at <= as_of
        and (record.expired_at is None or record.expired_at > as_of)
        and (record.valid_at is None or record.valid_at <= as_of)
        and (record.invalid_at is None or record.invalid_at > as_of)
    )


class MemoryRecord(BaseModel):
    """One atomic fact (DESIGN §2). ``expired_at`` set means the system no longer believes it."""

    def to_api(self) -> dict[str, Any]:
        """The mem0-shaped dict that ``get``/``get_all``/``search`` return."""
        out: dict[str, Any] = {
            "id": self.id,
            "memory": self.text,
            "hash": self.hash,
            "metadata": self.metadata,
            "categories": self.categories,
        }
        out.update({k: v for k, v in self.scope.as_dict().items() if v is not None})
        if self.actor_id is not None:
            out["actor_id"] = self.actor_id
        if self.role is not None:
            out["role"] = self.role
        out["created_at"] = self.created_at.isoformat()
        out["updated_at"] = self.updated_at.isoformat() if self.updated_at else None
        for name in ("valid_at", "invalid_at", "expired_at"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value.isoformat()
        out["episode_ids"] = list(self.episode_ids)
        return out

    id: str
    text: str
    hash: str
    scope: Scope
    metadata: dict[str, Any] = Field(default_factory=dict)
    categories: list[str] = Field(default_factory=list)
    actor_id: str | None = None
    role: str | None = None
    created_at: datetime
    updated_at: datetime | None = None
    valid_at: datetime | None = None
    invalid_at: datetime | None = None
    expired_at: datetime | None = None
    episode_ids: list[str] = Field(default_factory=list)
    embedding: list[float] | None = Field(default=None, repr=False)


class EntityRecord(BaseModel):
    id: str
    name: str
    normalized: str
    type: str = "Entity"
    aliases: list[str] = Field(default_factory=list)
    summary: str = ""
    scope: Scope
    created_at: datetime
    embedding: list[float] | None = Field(default=None, repr=False)


class Provenance(BaseModel):
    """Where a relation came from: the memories and episodes that assert it, and who said it."""

    memory_ids: list[str] = Field(default_factory=list)
    episode_ids: list[str] = Field(default_factory=list)
    actor_id: str | None = None


class RelationRecord(BaseModel):
    id: str
    source_id: str
    target_id: str
    source: str
    target: str
    type: str
    fact: str
    scope: Scope
    confidence: float = 1.0
    created_at: datetime
    valid_at: datetime | None = None
    invalid_at: datetime | None = None
    expired_at: datetime | None = None
    provenance: Provenance = Field(default_factory=Provenance)
    embedding: list[float] | None = Field(default=None, repr=False)


class HistoryEvent(BaseModel):
    """One change to one memory, as ``history`` lists it. Built by the classmethod of its kind (``added``,
    ``updated``, ``invalidated``, ``deleted``): each kind says which texts it keeps and whose actor it names, once."""

    id: str
    memory_id: str
    event: Literal["ADD", "UPDATE", "DELETE", "INVALIDATE"]
    old_memory: str | None = None
    new_memory: str | None = None
    actor_id: str | None = None
    role: str | None = None
    created_at: datetime
    scope: Scope
    # What an UPDATE did to the graph ({"added", "invalidated", "unlinked"}: relation views, as ``RelationChanges``
    # dumps them); None for other events. Kept as plain JSON data: the stores persist it as it is.
    relations: dict[str, list[dict[str, Any]]] | None = None

    @classmethod
    def added(cls, event_id: str, memory: MemoryRecord) -> HistoryEvent:
        """A new memory: its text, who said it, when it was written."""
        return cls(id=event_id, memory_id=memory.id, event="ADD", new_memory=memory.text, actor_id=memory.actor_id,
                   role=memory.role, created_at=memory.created_at, scope=memory.scope)  # fmt: skip

    @classmethod
    def updated(
        cls, event_id: str, memory: MemoryRecord, text: str, at: datetime, *, actor_id: str | None, role: str | None,
        relations: dict[str, list[dict[str, Any]]] | None = None,
    ) -> HistoryEvent:  # fmt: skip
        """``memory`` rewritten to ``text`` at ``at``, by the message's author (``actor_id``/``role``), and, for
        ``Memory.update``, what that did to the graph."""
        return cls(id=event_id, memory_id=memory.id, event="UPDATE", old_memory=memory.text, new_memory=text,
                   actor_id=actor_id, role=role, created_at=at, scope=memory.scope, relations=relations)  # fmt: skip

    @classmethod
    def invalidated(cls, event_id: str, memory: MemoryRecord, at: datetime) -> HistoryEvent:
        """``memory`` no longer believed (contradicted) from ``at``; it keeps its author."""
        return cls._ended("INVALIDATE", event_id, memory, at)

    @classmethod
    def deleted(cls, event_id: str, memory: MemoryRecord, at: datetime) -> HistoryEvent:
        """``memory`` deleted at ``at``; it keeps its author."""
        return cls._ended("DELETE", event_id, memory, at)

    @classmethod
    def _ended(
        cls, kind: Literal["INVALIDATE", "DELETE"], event_id: str, memory: MemoryRecord, at: datetime
    ) -> HistoryEvent:
        return cls(id=event_id, memory_id=memory.id, event=kind, old_memory=memory.text, actor_id=memory.actor_id,
                   role=memory.role, created_at=at, scope=memory.scope)  # fmt: skip


# ---- extraction structure: what an extractor (rule-based or LLM) returns for one episode -------------------------


class ExtractedEntity(BaseModel):
    name: str = Field(min_length=1)
    type: str = "Entity"
    aliases: list[str] = Field(default_factory=list)


class ExtractedRelation(BaseModel):
    source: str = Field(min_length=1)
    type: str = Field(min_length=1, description="UPPER_SNAKE relation type, e.g. WORKS_AT")
    target: str = Field(min_length=1)
    fact: str = Field(min_length=1, description="One sentence stating the relation in plain words")
    valid_at: datetime | None = None
    invalid_at: datetime | None = None


class ExtractedFact(BaseModel):
    text: str = Field(min_length=1, description="One self-contained fact, with the speaker's name, not 'I'")
    entities: list[str] = Field(default_factory=list, description="Names of the entities this fact mentions")
    message_index: int | None = Field(default=None, ge=0, description="Which message (0-based) stated it")
    categories: list[str] = Field(
        default_factory=list, description="A few short lowercase topic labels for the fact, e.g. diet, work, travel"
    )


class Extraction(BaseModel):
    """Everything extracted from one episode: the same shape from the offline rules and from an LLM."""

    # (Not in the docstring, which the JSON Schema sent to the model carries.) Model output is data, not code
    # (issue 11): a reply is read item by item, so one fact, entity or relation of the wrong shape (a number for a
    # name, a list missing its target) is left out, with the reason, in ``dropped``, instead of failing the whole
    # reply. An optional field of the wrong type (a ``message_index`` of "two", a ``valid_at`` that is no time)
    # falls back to its default, non-strings in a list of names are left out, lone surrogates become spaces, and a
    # bare string stands for a fact's text or an entity's name. What the items say (names, types) is checked later,
    # by ``ingest.clean``.

    facts: list[ExtractedFact] = Field(default_factory=list)
    entities: list[ExtractedEntity] = Field(default_factory=list)
    relations: list[ExtractedRelation] = Field(default_factory=list)
    speaker: str | None = Field(
        default=None, description="The name first-person words of the user resolved to, when the episode says it"
    )
    _dropped: list[dict[str, Any]] = PrivateAttr(default_factory=list)
    _positions: dict[str, list[int]] = PrivateAttr(default_factory=dict)  # list -> where each kept item stood

    @property
    def dropped(self) -> list[dict[str, Any]]:
        """Items left out while reading the reply: ``{"kind", "index", "item", "reason"}`` each."""
        return self._dropped

    def position(self, key: str, index: int) -> int:
        """Where the ``index``-th item of ``facts``/``entities``/``relations`` stood in the reply (items left out
        while reading it shift the others), so a report names the item the model sent."""
        kept = self._positions.get(key)
        return kept[index] if kept is not None and index < len(kept) else index

    @model_validator(mode="wrap")
    @classmethod
    def _item_by_item(cls, data: Any, handler: ModelWrapValidatorHandler[Extraction]) -> Extraction:
        if not isinstance(data, dict):
            return handler(data)
        kept: dict[str, Any] = dict(data)
        dropped: list[dict[str, Any]] = []
        positions: dict[str, list[int]] = {}
        for key, model, bare in (("facts", ExtractedFact, "text"), ("entities", ExtractedEntity, "name"),
                                 ("relations", ExtractedRelation, None)):  # fmt: skip
            if key in kept:
                given = kept[key]
                kept[key], where = _items(given, key, model, bare, dropped)
                if isinstance(given, list) and len(where) < len(given):  # else each item stands where it stood
                    positions[key] = where
        speaker = kept.get("speaker")
        kept["speaker"] = _whole_chars(speaker) if isinstance(speaker, str) else None
        out = handler(kept)
        out._dropped, out._positions = dropped, positions
        return out


_KINDS = {"facts": "fact", "entities": "entity", "relations": "relation"}
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _whole_chars(text: str) -> str:
    """``text`` with each lone UTF-16 surrogate (not a character, and not storable) turned into a space."""
    return _SURROGATE_RE.sub(" ", text) if _SURROGATE_RE.search(text) else text


def _items(
    value: Any, key: str, model: type[BaseModel], bare: str | None, dropped: list[dict[str, Any]]
) -> tuple[list[Any], list[int]]:
    """The items of one list of a reply that validate (after the fallbacks ``Extraction`` describes), and where
    each stood in it."""
    if not isinstance(value, list):
        if value is not None:
            dropped.append({"kind": _KINDS[key], "index": None, "item": value, "reason": f"{key} is not a list"})
        return [], []
    out: list[Any] = []
    positions: list[int] = []
    for index, item in enumerate(value):
        if isinstance(item, model):
            out.append(item)
            positions.append(index)
            continue
        if bare is not None and isinstance(item, str):
            item = {bare: item}
        if isinstance(item, dict):  # lone surrogates: no engine stores them, and pydantic refuses such strings
            item = {k: _whole_chars(v) if isinstance(v, str) else [_whole_chars(x) if isinstance(x, str) else x
                    for x in v] if isinstance(v, list) else v for k, v in item.items()}  # fmt: skip
        reason = _item(item, model)
        if isinstance(reason, str):
            dropped.append({"kind": _KINDS[key], "index": index, "item": item, "reason": reason})
        else:
            out.append(reason)
            positions.append(index)
    return out, positions


def _item(item: Any, model: type[BaseModel]) -> BaseModel | str:
    """One item validated, else why not. Fields with a default that fail fall back to it; string lists keep their
    strings; a required field that fails drops the item."""
    if not isinstance(item, dict):
        return f"expected an object, got {type(item).__name__}"
    fixed = dict(item)
    for _ in range(2):
        try:
            return model.model_validate(fixed)
        except PydanticValidationError as exc:
            errors = exc.errors()
        for error in errors:
            loc = error["loc"]
            name = str(loc[0]) if loc else ""
            field = model.model_fields.get(name)
            if field is None or field.is_required():
                where = ".".join(str(part) for part in loc) or "item"
                return f"{where}: {error['msg']}"
            if len(loc) == 2 and isinstance(fixed.get(name), list):  # a bad member of a list of strings
                fixed[name] = [v for v in fixed[name] if isinstance(v, str)]
            else:
                fixed.pop(name, None)
    return "does not validate"
