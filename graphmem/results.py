"""What the public methods answer, as typed models: built once each by the pipelines, dumped at the facade.

``add``, ``update``, ``search`` and the graph views used to assemble their mem0-shaped dicts by hand, the relation
view alone in five places with five slightly different key sets. Each shape is now a pydantic model here, with a
classmethod per variant as the only way to build it, and ``ApiModel.api()`` as the only way to dump it. The dump
keeps exactly the keys a builder set (``exclude_unset``): a key absent from one variant stays absent, and a ``None``
a variant reports (``valid_at: null``) stays present, so the public dicts are what they were before the models.
The REST server's OpenAPI reuses these models, so every field says what it means (``graphmem.schemas``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any, Literal, Protocol

from pydantic import BaseModel, Field, PlainSerializer

from graphmem.models import HistoryEvent, MemoryRecord, Provenance, RelationRecord

# Timestamps read back as ``datetime.isoformat()`` (``+00:00``, not pydantic's ``Z``): the strings callers get today.
Timestamp = Annotated[datetime, PlainSerializer(lambda v: v.isoformat(), return_type=str)]


class ApiModel(BaseModel):
    """A result model: ``api()`` is the mem0-shaped dict, with only the keys its builder set."""

    def api(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


def _provenance(p: Provenance) -> Provenance:
    """A copy with every field set, so the dump shows all three keys however the store built the original."""
    return Provenance(memory_ids=list(p.memory_ids), episode_ids=list(p.episode_ids), actor_id=p.actor_id)


class RelationView(ApiModel):
    """A relation (an edge of the entity graph) as the API shows it. Which fields appear depends on where: search
    (``score``, ``hops``), ``neighbors``/``paths``/``to_networkx`` (``id``, ``created_at``, ``hops`` in
    ``neighbors``), the relations an ``add``/``update`` added, invalidated or unlinked (the four names, plus
    ``invalid_at`` when invalidated), and the triples an ``add_triples`` episode keeps (``source_type``,
    ``destination_type``, ``valid_at`` when given)."""

    id: str | None = Field(default=None, description="The relation's id")
    source: str = Field(description="Name of the entity the relation starts from")
    relationship: str = Field(description="UPPER_SNAKE relation type, e.g. WORKS_AT")
    destination: str = Field(description="Name of the entity the relation points to")
    fact: str = Field(description="The relation stated as one plain sentence")
    score: float | None = Field(
        default=None, description="search: the walk's score for a reached relation; half the fact's cosine "
        "similarity to the query for one found by reading like it"
    )  # fmt: skip
    hops: int | None = Field(
        default=None, description="Graph distance from the query's entities (search; null: found by its fact) or "
        "from the asked entity (neighbors)"
    )  # fmt: skip
    source_type: str | None = Field(default=None, description="The source entity's type, when not plain Entity")
    destination_type: str | None = Field(default=None, description="The target entity's type, when not plain Entity")
    valid_at: Timestamp | None = Field(default=None, description="Since when the relation holds in the world")
    invalid_at: Timestamp | None = Field(default=None, description="Since when it no longer holds in the world")
    created_at: Timestamp | None = Field(default=None, description="When the memory learned it")
    provenance: Provenance | None = Field(
        default=None, description="The memories and episodes that assert it, and who said it"
    )

    @classmethod
    def stored(cls, r: RelationRecord, hops: int | None = None) -> RelationView:
        """``neighbors`` (with ``hops``), ``paths`` and ``to_networkx``: the stored relation in full."""
        view = cls(id=r.id, source=r.source, relationship=r.type, destination=r.target, fact=r.fact,
                   valid_at=r.valid_at, invalid_at=r.invalid_at, created_at=r.created_at,
                   provenance=_provenance(r.provenance))  # fmt: skip
        if hops is not None:
            view.hops = hops
        return view

    @classmethod
    def found(cls, r: RelationRecord, score: float, hops: int | None) -> RelationView:
        """A relation ``search`` answers with: its score and hops (null for a fact match), validity, provenance."""
        return cls(source=r.source, relationship=r.type, destination=r.target, fact=r.fact, score=round(score, 6),
                   hops=hops, valid_at=r.valid_at, invalid_at=r.invalid_at,
                   provenance=_provenance(r.provenance))  # fmt: skip

    @classmethod
    def named(cls, source: str, relationship: str, destination: str, fact: str) -> RelationView:
        """The four names: what an ``add``/``update`` reports it added or unlinked."""
        return cls(source=source, relationship=relationship, destination=destination, fact=fact)

    @classmethod
    def of(cls, r: RelationRecord) -> RelationView:
        """A stored relation by its four names (``named``)."""
        return cls.named(r.source, r.type, r.target, r.fact)

    @classmethod
    def invalidated(cls, r: RelationRecord, invalid_at: datetime) -> RelationView:
        """A relation an ``add``/``update`` invalidated, and from when."""
        view = cls.of(r)
        view.invalid_at = invalid_at
        return view

    @classmethod
    def triple(
        cls, source: str, relationship: str, destination: str, fact: str,
        source_type: str, destination_type: str, valid_at: datetime | None,
    ) -> RelationView:  # fmt: skip
        """A known triple as an ``add_triples`` episode keeps it (and ``export`` gives it back): the types only
        when not plain ``Entity``, ``valid_at`` only when given."""
        view = cls.named(source, relationship, destination, fact)
        if source_type != "Entity":
            view.source_type = source_type
        if destination_type != "Entity":
            view.destination_type = destination_type
        if valid_at is not None:
            view.valid_at = valid_at
        return view


class RelationChanges(ApiModel):
    """What an ``add`` or ``update`` did to the graph."""

    added: list[RelationView] = Field(default_factory=list, description="Relations written (the four names)")
    invalidated: list[RelationView] = Field(
        default_factory=list, description="Relations that stopped holding, with their invalid_at"
    )
    unlinked: list[RelationView] | None = Field(
        default=None, description="update only: relations still supported by other memories, no longer by this one"
    )


class MemoryEvent(ApiModel):
    """What an ``add``/``update`` did to one memory."""

    id: str = Field(description="The memory's id")
    memory: str = Field(description="Its text (after an UPDATE, the new text)")
    event: Literal["ADD", "UPDATE", "NONE", "INVALIDATE"] = Field(
        description="ADD: a new memory; UPDATE: rewritten; NONE: already known; INVALIDATE: no longer believed"
    )
    previous_memory: str | None = Field(default=None, description="UPDATE: the text it replaced")
    actor_id: str | None = Field(default=None, description="ADD: who said it, when the message named someone")
    metadata: dict[str, Any] | None = Field(
        default=None, description="NONE: present when the add brought metadata the memory lacked or held otherwise; "
        "the memory's metadata now (the add's keys merged in, new values win)"
    )  # fmt: skip
    previous_metadata: dict[str, Any] | None = Field(default=None, description="With metadata: what it was before")

    @classmethod
    def added(cls, memory: MemoryRecord) -> MemoryEvent:
        """A new memory, with its author when the message named one."""
        event = cls(id=memory.id, memory=memory.text, event="ADD")
        if memory.actor_id:
            event.actor_id = memory.actor_id
        return event

    @classmethod
    def restated(cls, memory: MemoryRecord, metadata: dict[str, Any]) -> MemoryEvent:
        """``memory`` said again (NONE) with new metadata, merged in: ``metadata`` is what it holds now."""
        return cls(id=memory.id, memory=memory.text, event="NONE", metadata=metadata,
                   previous_metadata=dict(memory.metadata))  # fmt: skip

    @classmethod
    def updated(cls, memory: MemoryRecord, text: str) -> MemoryEvent:
        """``memory`` rewritten to ``text``."""
        return cls(id=memory.id, memory=text, event="UPDATE", previous_memory=memory.text)


class _Counted(Protocol):
    """What a model call cost (``providers.llm.Usage``, read by shape: results sit below the providers)."""

    calls: int
    prompt_tokens: int
    completion_tokens: int

    @property
    def tokens(self) -> int: ...


class UsageReport(ApiModel):
    """Model calls one operation made and the tokens they cost."""

    extractor: str | None = Field(
        default=None, description="add/update: which extractor ran ('rules', a chat model's name, or 'none')"
    )
    llm_calls: int = Field(description="Model calls that returned a completion (repairs included)")
    prompt_tokens: int = Field(description="Prompt tokens over those calls")
    completion_tokens: int = Field(description="Completion tokens over those calls")
    tokens: int = Field(description="prompt_tokens + completion_tokens")

    @classmethod
    def of(cls, usage: _Counted, extractor: str | None = None) -> UsageReport:
        report = cls(llm_calls=usage.calls, prompt_tokens=usage.prompt_tokens,
                     completion_tokens=usage.completion_tokens, tokens=usage.tokens)  # fmt: skip
        if extractor is not None:
            report.extractor = extractor
        return report


class ImageCount(ApiModel):
    kept: int = Field(description="Image parts kept (by reference) in the episode")
    read: int = Field(description="Of those, how many the extractor read")


class DroppedItem(ApiModel):
    """An item of an ``add``/``add_triples`` that was not stored, and why (issue 11: nothing is left out silently).

    From a model's reply: a fact, entity or relation of the wrong shape, a name of punctuation only or longer than
    ``limits.max_name_chars``, a relation type that is no edge type, a relation from an entity to itself, or the
    part of a list past ``limits.max_extracted``. From a caller's triples: a triple whose names or types cannot be
    stored (the others are)."""

    kind: Literal["fact", "entity", "relation", "triple"] = Field(description="What was left out")
    index: int | None = Field(description="Its position in the reply's list, or in the triples given")
    item: Any = Field(description="The item as given (long texts cut, lone surrogates shown as U+FFFD)")
    reason: str = Field(description="Why it was left out")


class AddResult(ApiModel):
    """What ``add``/``add_triples`` answer (and ``retry_failed`` per episode)."""

    results: list[MemoryEvent] = Field(description="One event per fact of the episode")
    relations: RelationChanges = Field(description="Relations added and invalidated")
    episode_id: str = Field(description="The stored episode (kept even when processing failed)")
    error: str | None = Field(default=None, description="Why processing failed (the episode waits for retry_failed)")
    usage: UsageReport = Field(description="Model calls made and the tokens they cost")
    images: ImageCount | None = Field(default=None, description="Present when the messages held images")
    dropped: list[DroppedItem] | None = Field(
        default=None, description="Present when items of the model's reply or of the triples were not stored: why"
    )

    @classmethod
    def done(
        cls, results: Sequence[MemoryEvent], changes: RelationChanges, episode_id: str, usage: UsageReport,
        images: ImageCount | None = None, dropped: Sequence[Mapping[str, Any]] = (),
    ) -> AddResult:  # fmt: skip
        out = cls(results=list(results), relations=changes, episode_id=episode_id, usage=usage)
        if images is not None:
            out.images = images
        if dropped:
            out.dropped = [DroppedItem.model_validate(d) for d in dropped]
        return out

    @classmethod
    def failed(cls, episode_id: str, error: str, usage: UsageReport) -> AddResult:
        """Nothing written: no events, no relations, and why."""
        return cls(results=[], relations=RelationChanges(added=[], invalidated=[]), episode_id=episode_id,
                   error=error, usage=usage)  # fmt: skip


class UpdateResult(ApiModel):
    """What ``update`` answers."""

    message: str = Field(default="Memory updated successfully!", description="A fixed confirmation, as in mem0")
    id: str = Field(description="The updated memory")
    results: list[MemoryEvent] = Field(
        description="Its UPDATE, then an INVALIDATE for each other memory whose every relation it contradicted"
    )
    relations: RelationChanges = Field(description="Relations added, invalidated and unlinked")
    usage: UsageReport = Field(description="Model calls made and the tokens they cost")

    @classmethod
    def of(cls, memory_id: str, results: Sequence[MemoryEvent], changes: RelationChanges,
           usage: UsageReport) -> UpdateResult:  # fmt: skip
        return cls(message="Memory updated successfully!", id=memory_id, results=list(results), relations=changes,
                   usage=usage)  # fmt: skip


class MemoryHit(ApiModel):
    """One memory ``search`` found: the memory as ``get`` returns it, plus how it ranked."""

    id: str
    memory: str = Field(description="The memory's text")
    hash: str = Field(description="Duplicate key of the text (case and spacing ignored)")
    metadata: dict[str, Any] = Field(description="The caller's metadata")
    categories: list[str] = Field(description="Topic labels")
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    actor_id: str | None = Field(default=None, description="Who said it, when the message named someone")
    role: str | None = Field(default=None, description="Role of the message it came from")
    created_at: Timestamp
    updated_at: Timestamp | None = Field(description="When update last rewrote it (null: never)")
    valid_at: Timestamp | None = None
    invalid_at: Timestamp | None = None
    expired_at: Timestamp | None = Field(default=None, description="When the memory stopped believing it (as_of)")
    episode_ids: list[str] = Field(description="The episodes that stated it")
    score: float = Field(description="Fused score, 0..1 (1: first in every lane that ran)")
    similarity: float = Field(description="Cosine similarity of the memory to the query")
    lanes: list[str] = Field(description="The lanes that found it (vector, bm25, graph), best rank first")
    rerank_score: float | None = Field(
        default=None, description="With rerank: the reranker's score (null when it failed and the fused order stood)"
    )

    @classmethod
    def of(cls, record: MemoryRecord, score: float, similarity: float, lanes: list[str]) -> MemoryHit:
        """The memory's ``get`` shape (``MemoryRecord.to_api``, the one place it is written) and its ranking."""
        return cls.model_validate(
            {**record.to_api(), "score": round(score, 6), "similarity": round(similarity, 6), "lanes": lanes}
        )

    def reranked(self, score: float | None) -> MemoryHit:
        return self.model_copy(update={"rerank_score": None if score is None else round(score, 6)})


class RerankInfo(ApiModel):
    """What the rerank step of a ``search`` did."""

    reranker: str = Field(description="Which reranker ran")
    candidates: int = Field(description="How many fused results it saw")
    error: str | None = Field(description="Why the fused order was kept (null: the reranker's order)")
    usage: UsageReport | None = Field(default=None, description="Model calls, for the rerankers that make them")

    @classmethod
    def of(cls, reranker: str, candidates: int, error: str | None, usage: _Counted | None) -> RerankInfo:
        info = cls(reranker=reranker, candidates=candidates, error=error)
        if usage is not None:
            info.usage = UsageReport.of(usage)
        return info


class SearchResult(ApiModel):
    """What ``search`` answers."""

    results: list[MemoryHit] = Field(description="Memories, best first")
    relations: list[RelationView] = Field(description="Relations the walk reached or whose facts read like the query")
    rerank: RerankInfo | None = Field(default=None, description="Present when the search reranked")

    @classmethod
    def of(
        cls, results: Sequence[MemoryHit], relations: Sequence[RelationView], rerank: RerankInfo | None = None
    ) -> SearchResult:
        out = cls(results=list(results), relations=list(relations))
        if rerank is not None:
            out.rerank = rerank
        return out


class HistoryEntry(ApiModel):
    """One ``history`` item: a stored ``HistoryEvent`` with its scope's ids as top-level keys."""

    id: str
    memory_id: str
    event: Literal["ADD", "UPDATE", "DELETE", "INVALIDATE"]
    old_memory: str | None = Field(description="The text before (UPDATE, DELETE, INVALIDATE)")
    new_memory: str | None = Field(description="The text after (ADD, UPDATE)")
    actor_id: str | None = Field(description="Who said it, when the message named someone")
    role: str | None = Field(description="Role of the message it came from")
    created_at: Timestamp = Field(description="When it happened")
    user_id: str | None = None
    agent_id: str | None = None
    run_id: str | None = None
    relations: RelationChanges | None = Field(default=None, description="UPDATE by update(): what it did to the graph")

    @classmethod
    def of(cls, e: HistoryEvent) -> HistoryEntry:
        fields: dict[str, Any] = {k: v for k, v in e.scope.as_dict().items() if v}  # the scope's ids that are set
        if e.relations is not None:
            fields["relations"] = RelationChanges.model_validate(e.relations)
        return cls(id=e.id, memory_id=e.memory_id, event=e.event, old_memory=e.old_memory, new_memory=e.new_memory,
                   actor_id=e.actor_id, role=e.role, created_at=e.created_at, **fields)  # fmt: skip
