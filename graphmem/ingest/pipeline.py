"""The write paths of ``add`` (DESIGN §3: episode first, then extract, resolve, reconcile, embed, write once)
and of ``update``, which re-extracts one memory's text the same way and writes the change in one plan.

At most two model calls per add: one extraction (a chat model, or none with the offline rules) and, only when
something stays ambiguous, one reconciliation call for the whole episode. Everything else is decided here
deterministically; the decisions themselves are pure functions in ``plan`` and ``reconcile``.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np

from graphmem.config import LimitsConfig, ReconcileConfig
from graphmem.errors import ExtractionError
from graphmem.ingest import prompts
from graphmem.ingest.clean import settle
from graphmem.ingest.extract import ExtractionContext, Extractor
from graphmem.ingest.given import verbatim
from graphmem.ingest.plan import (
    Changes,
    Draft,
    Embeddings,
    FactDraft,
    Resolved,
    build_plan,
    derived_id,
    draft,
    relation_keys,
    resolve_entities,
    restated,
    text_hash,
    texts_to_embed,
)
from graphmem.ingest.reconcile import (
    Question,
    Reconciliation,
    Verdicts,
    accept,
    exclusive,
    invalid_time,
    question_payload,
    types_compatible,
)
from graphmem.models import (
    Episode,
    Extraction,
    HistoryEvent,
    MemoryRecord,
    Message,
    Origin,
    RelationRecord,
    Scope,
    normalize_name,
    utcnow,
)
from graphmem.providers.embed import Embedder
from graphmem.providers.llm import ChatModel, LlmError, Usage
from graphmem.providers.phrases import PhraseVectors
from graphmem.results import (
    AddResult,
    ImageCount,
    MemoryEvent,
    RelationChanges,
    RelationView,
    UpdateResult,
    UsageReport,
)
from graphmem.stores.base import Store, WritePlan

log = logging.getLogger(__name__)

MAX_CALLS = 2  # per add: extraction + reconciliation


@dataclass
class Ingestor:
    store: Store
    embedder: Embedder
    extractor: Extractor
    chat: ChatModel | None = None  # the reconciliation model; None: deterministic decisions only
    settings: ReconcileConfig = field(default_factory=ReconcileConfig)
    phrases: PhraseVectors | None = None  # short texts embedded once across calls (Memory shares it with search)
    limits: LimitsConfig = field(default_factory=LimitsConfig)  # names, types and items taken from a model reply
    _vectors: PhraseVectors = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._vectors = self.phrases or PhraseVectors(self.embedder)

    def add(
        self,
        messages: list[Message],
        scope: Scope,
        metadata: dict[str, Any],
        infer: bool,
        prompt: str | None,
        origin: Origin | None = None,
    ) -> AddResult:
        """Store the episode, then extract and write it. ``origin`` (``import_``): the exported episode's id and
        time, which the episode and everything written for it take instead of a new id and now."""
        episode_id, now = _identity(origin)
        episode = Episode(id=episode_id, scope=scope, messages=messages, metadata=metadata, created_at=now,
                          source="message" if infer else "raw")  # fmt: skip
        self.store.write_episode(episode)
        return self.process(episode, infer=infer, prompt=prompt)

    def add_known(
        self,
        extraction: Extraction,
        scope: Scope,
        metadata: dict[str, Any],
        source: str,
        origin: Origin | None = None,
        messages: list[Message] | None = None,
    ) -> AddResult:
        """Write an extraction the caller already has (``add_triples``, ``add`` with ``triples``/``facts``): no
        extractor, same plan.

        The episode keeps ``messages``: by default the triples as structured data (``Episode.triples_message``:
        names, types, facts and ``valid_at`` as given); for ``add``, the conversation and what was given
        (``ingest.given``). So the raw input is never lost and exports exactly. With no model call to survive,
        it is written in the plan's own transaction: one transaction per call, and a call that fails leaves nothing
        behind (the caller still holds its input and gets the error). ``origin``: see ``add``.
        """
        episode_id, now = _identity(origin)
        kept = messages if messages is not None else [Episode.triples_message(extraction)]
        episode = Episode(id=episode_id, scope=scope, messages=kept, metadata=metadata, created_at=now, source=source)
        return self.process(episode, infer=False, prompt=None, known=extraction)

    def process(self, episode: Episode, infer: bool, prompt: str | None, known: Extraction | None = None) -> AddResult:
        """Extract and write a stored episode; safe to call again for the same episode (ids are derived). With
        ``known`` data the episode is not stored yet: the plan's transaction writes it.

        Store calls do not grow with the episode: whatever the number of entities and facts, an ``add`` makes at
        most 15, the episode's own write included (one more marks a failed episode). Five of them gather the
        candidates in bulk (DESIGN §3.4): one vector search for all new entities and one read of the close ones,
        one vector search for all new facts and one read each of the close memories and their mentions. The rest
        are one call each: the speaker and entity look-ups (two ``find_entities``), duplicate hashes, stored
        relation keys, the subjects' current edges, three reads only when verdicts change memories (hashes of
        rewritten texts, the invalidated relations' citing relations and their memories), and ``apply``, the one
        write transaction. ``tests/contract/test_batched_add.py`` counts them."""
        scope, messages, now = episode.scope, episode.messages, episode.created_at
        speaker = self._speaker(scope) if known is None else "User"  # known data: no extractor to tell who "I" is
        context = ExtractionContext(speaker=speaker, reference_time=now, prompt=prompt,
                                    max_items=self.limits.max_extracted)  # fmt: skip
        try:
            if known is not None:
                extraction = known
                context.dropped.extend(known.dropped)  # triples that could not be stored (ingest.triples)
            elif infer:  # model output is data: what cannot be stored is left out and reported, never raised
                extraction, left_out = settle(self.extractor.extract(messages, context), self.limits)
                context.dropped.extend(left_out)
            else:
                extraction = Extraction(facts=verbatim(messages))
        except Exception as exc:  # an extractor failure must never lose the episode or crash the caller's add
            log.warning("extraction failed for episode %s: %s", episode.id, exc)
            usage = exc.usage if isinstance(exc, LlmError) else context.usage
            self._mark_failed(episode, "extraction", exc)
            return AddResult.failed(episode.id, f"extraction failed: {exc}", UsageReport.of(usage, self.extractor.name))
        stage = _Stage()
        try:
            return self._write(episode, extraction, known, context, infer, stage)
        except Exception as exc:
            if known is not None:  # not stored yet: nothing to mark, and the caller still holds its input
                raise
            self._mark_failed(episode, stage.name, exc)
            if stage.name != "embedding":
                raise  # the store failed: the caller must know (the episode is kept for retry_failed)
            spent = UsageReport.of(context.usage, self.extractor.name)
            return AddResult.failed(episode.id, f"embedding failed: {exc}", spent)

    def _mark_failed(self, episode: Episode, stage: str, exc: Exception) -> None:
        """Record which stage failed and why, so ``retry_failed`` finds the episode. When the store itself is gone
        this write fails too; the episode then stays pending, and the caller has the original error."""
        log.warning("%s failed for episode %s: %s", stage, episode.id, exc)
        try:
            self.store.set_episode_status(episode.id, "failed", f"{stage}: {type(exc).__name__}: {exc}")
        except Exception as again:
            log.warning("could not mark episode %s failed: %s", episode.id, again)

    def _write(
        self,
        episode: Episode,
        extraction: Extraction,
        known: Extraction | None,
        context: ExtractionContext,
        infer: bool,
        stage: _Stage,
    ) -> AddResult:
        """Everything after extraction: read candidates, embed, reconcile, write. ``stage`` names the step under way
        (read, embedding, reconciliation, write) for the failure record."""
        scope, messages, now = episode.scope, episode.messages, episode.created_at
        stage.name = "read"
        if scope.user_id and extraction.speaker:
            _alias_speaker(extraction, scope.user_id)
        d = draft(extraction, messages, by_type=known is not None)
        duplicates = self.store.find_memories_by_hash(scope, [f.hash for f in d.facts]) if d.facts else {}
        resolved = resolve_entities(d, episode.id, self.store.find_entities(scope, _lookup_keys(d)))
        new_hashes = {f.hash for f in d.facts} - set(duplicates)
        stage.name = "embedding"
        again = [m.text for m in restated(duplicates, episode.metadata)]  # their metadata changes: rewritten rows
        vectors = self._embed(texts_to_embed(d, resolved, new_hashes) + again)
        stage.name = "read"
        question = Question()
        asking = known is None and self.chat is not None  # a model to ask, about extracted (not known) data
        if known is None:  # known triples merge by exact name only
            self._entity_candidates(d, resolved, scope, vectors, question)
        existing = self.store.find_relations(scope, _stored_keys(d, resolved))
        changes = Changes()
        self._relation_conflicts(d, resolved, scope, existing, now, changes, question if asking else None)
        if asking:
            self._fact_candidates(d, resolved, new_hashes, scope, vectors, question)
        if not question.empty() and self.chat is not None and context.usage.calls < MAX_CALLS:
            verdicts = self._ask(d, question, context.usage)
            self._apply_verdicts(d, resolved, question, verdicts, duplicates, now, changes)
            self._drop_copying_updates(scope, changes, duplicates, now)
            vectors.by_text.update(self._embed([t for _, t in changes.fact_updates.values()]).by_text)
        self._invalidate_unsupported_memories(scope, changes, now)
        outcome = build_plan(episode=episode, d=d, resolved=resolved, duplicates=duplicates,
                             existing_relations=existing, vectors=vectors, metadata=episode.metadata, now=now,
                             changes=changes)  # fmt: skip
        if known is not None:
            outcome.plan.episode = episode  # written in the plan's transaction (see add_known)
        stage.name = "write"
        remap = self.store.apply(outcome.plan)
        images = sum(len(m.images) for m in messages)
        return AddResult.done(
            _settled(outcome.results, remap),
            RelationChanges(added=outcome.added, invalidated=outcome.invalidated),
            episode.id,
            UsageReport.of(context.usage, self.extractor.name if infer else "none"),
            ImageCount(kept=images, read=context.images_read) if images else None,
            context.dropped,
        )

    def update(self, record: MemoryRecord, text: str) -> UpdateResult:
        """``Memory.update``: the memory's text is replaced and the graph follows it, in one transaction.

        The new text is extracted and reconciled as in ``add`` (the same speaker for "I", exclusive types replacing
        rivals, at most ``MAX_CALLS`` model calls), and what it states is written with this memory as provenance:
        the text is this memory, never a second one. Relations the old text supported that the new text does not
        assert lose this memory's support: with no other supporting memory they are invalidated (kept, so ``as_of``
        still sees them), otherwise they stay current and only drop this memory from their provenance ("unlinked").
        A memory stored verbatim (``infer=False``) is not extracted. No update episode is stored (an export replays
        the adds only), so the relations an update makes carry no episode ids. Nothing is written before extraction
        succeeded: a failed extraction raises ``ExtractionError`` and changes nothing.
        """
        now, scope = utcnow(), record.scope
        update_id = derived_id(record.id, "update", now.isoformat())  # the history event's id; seeds the plan's ids
        message = Message(role=record.role or "user", content=text, actor_id=record.actor_id)
        context = ExtractionContext(speaker=self._speaker(scope), reference_time=now,
                                    max_items=self.limits.max_extracted)  # fmt: skip
        infer = self._extracted(record)
        try:
            extraction = settle(self.extractor.extract([message], context), self.limits)[0] if infer else Extraction()
        except Exception as exc:
            raise ExtractionError(f"memory {record.id!r} was not updated (nothing changed): extraction failed: "
                                  f"{type(exc).__name__}: {exc}") from exc  # fmt: skip
        if scope.user_id and extraction.speaker:
            _alias_speaker(extraction, scope.user_id)
        d = draft(extraction, [message])
        fact = FactDraft(text, text_hash(text), list(d.entities), message)  # the whole text mentions all it names
        d.facts = [fact]
        duplicates = {fact.hash: record}  # its one fact IS this memory: the plan links to it and adds no memory
        resolved = resolve_entities(d, update_id, self.store.find_entities(scope, _lookup_keys(d)))
        vectors = self._embed(texts_to_embed(d, resolved, {fact.hash}))
        citing = self.store.relations_citing(scope, [record.id])
        alone = frozenset(r.id for r in citing if set(r.provenance.memory_ids) <= {record.id})
        question = Question()
        asking = infer and self.chat is not None
        self._entity_candidates(d, resolved, scope, vectors, question)
        existing = self.store.find_relations(scope, _stored_keys(d, resolved))
        changes = Changes()
        self._relation_conflicts(d, resolved, scope, existing, now, changes, question if asking else None, alone)
        if not question.empty() and self.chat is not None and context.usage.calls < MAX_CALLS:
            verdicts = self._ask(d, question, context.usage)
            self._apply_verdicts(d, resolved, question, verdicts, duplicates, now, changes)
        asserted = {k for i, k in enumerate(relation_keys(d, resolved)) if i not in changes.skip_relations}
        unlinked = _withdraw(citing, asserted, alone, changes, now)
        self._invalidate_unsupported_memories(scope, changes, now)
        changes.memory_invalidations = [(m, t) for m, t in changes.memory_invalidations if m.id != record.id]
        episode = Episode(id=update_id, scope=scope, messages=[message], metadata=record.metadata, created_at=now,
                          source="update")  # fmt: skip
        outcome = build_plan(episode=episode, d=d, resolved=resolved, duplicates=duplicates,
                             existing_relations=existing, vectors=vectors, metadata=record.metadata, now=now,
                             changes=changes)  # fmt: skip
        plan = outcome.plan
        _unstored_episode(plan)
        plan.provenance_removals = [(r.id, record.id) for r in unlinked]
        mentioned = {e for m, e in plan.mentions if m == record.id}
        plan.mention_removals = [(record.id, e) for e in self.store.mentions([record.id]).get(record.id, [])
                                 if e not in mentioned]  # fmt: skip
        changed = {"text": text, "hash": fact.hash, "updated_at": now, "embedding": vectors.get(text)}
        plan.memory_updates.append(record.model_copy(update=changed))
        graph = RelationChanges(added=outcome.added, invalidated=outcome.invalidated,
                                unlinked=[RelationView.of(r) for r in unlinked])  # fmt: skip
        plan.history.append(HistoryEvent.updated(update_id, record, text, now, actor_id=record.actor_id,
                                                 role=record.role, relations=graph.api()))  # fmt: skip
        self.store.apply(plan)
        others = [r for r in outcome.results if r.event == "INVALIDATE"]  # memories this one contradicted
        usage = UsageReport.of(context.usage, self.extractor.name if infer else "none")
        return UpdateResult.of(record.id, [MemoryEvent.updated(record, text), *others], graph, usage)

    def _extracted(self, record: MemoryRecord) -> bool:
        """Whether a memory came through the extractor, i.e. not only from episodes stored verbatim (infer=False)."""
        episodes = [self.store.get_episode(e) for e in record.episode_ids]
        return not episodes or any(e is None or e.source != "raw" for e in episodes)

    # -- steps ------------------------------------------------------------------------------------------------------
    def _embed(self, texts: list[str]) -> Embeddings:
        """Each distinct text embedded once, in one batch; short texts an earlier call embedded are not redone."""
        texts = list(dict.fromkeys(texts))
        return Embeddings(dict(zip(texts, self._vectors.matrix(texts).tolist(), strict=True)))

    def _entity_candidates(
        self, d: Draft, resolved: Resolved, scope: Scope, vectors: Embeddings, question: Question
    ) -> None:
        """New entities close to an existing one of this scope: merge when nearly identical, else ask. Gathered in
        bulk: one vector search for every new entity and one read of the close ones (at most two store calls)."""
        asked = [(e, v) for e in list(resolved.new) if (v := vectors.get(e.name)) is not None]
        close = self._close("entity", scope, [v for _, v in asked], self.settings.entity_candidate)
        ids = _union(close)
        by_id = {e.id: e for e in self.store.get_entities(ids)} if ids else {}
        for (entity, _), near in zip(asked, close, strict=True):
            found = [e for i in near if (e := by_id.get(i)) is not None
                     and e.scope == scope and types_compatible(e.type, entity.type)]  # fmt: skip
            if not found:
                continue
            best = max(found, key=lambda e: (near[e.id], e.id))
            if near[best.id] >= self.settings.entity_merge:
                resolved.merge(entity.normalized, best, entity)
            else:
                question.entities[list(d.entities).index(entity.normalized)] = found

    def _close(
        self, kind: Literal["memory", "entity"], scope: Scope, vectors: list[list[float]], cutoff: float
    ) -> list[dict[str, float]]:
        """For each vector, the scope's ``settings.candidates`` nearest records scoring at least ``cutoff`` (id ->
        score, nearest first): one store call for all of them, none when there is nothing to ask about."""
        if not vectors:
            return []
        queries = [np.asarray(v, np.float32) for v in vectors]
        hits = self.store.vector_search_many(kind, scope, queries, self.settings.candidates)
        return [{i: s for i, s in found if s >= cutoff} for found in hits]

    def _relation_conflicts(
        self,
        d: Draft,
        resolved: Resolved,
        scope: Scope,
        existing: dict[tuple[str, str, str], str],
        now: Any,
        changes: Changes,
        question: Question | None,
        settled: frozenset[str] = frozenset(),
    ) -> None:
        """Exclusive types replace the subject's current relation of that type; other same-type pairs are asked
        (when there is someone to ask), except ``settled`` relations, whose fate is decided already (``update``)."""
        keys = relation_keys(d, resolved)
        new_ids = {resolved.ids[e.normalized] for e in resolved.new}  # entities about to be created have no edges
        sources = [k[0] for k in keys if k not in existing and k[0] not in new_ids
                   and (question is not None or exclusive(k[1]))]  # fmt: skip
        if not sources:
            return
        current = self.store.edges(scope, sources, per_entity=200)
        for i, (r, key) in enumerate(zip(d.relations, keys, strict=True)):
            if key in existing:
                continue
            rivals = [x for x in current if x.source_id == key[0] and x.type == key[1] and x.target_id != key[2]
                      and x.scope == scope]  # fmt: skip
            if not rivals:
                continue
            if exclusive(key[1]):
                when = invalid_time(r.valid_at, now)
                changes.relation_invalidations.extend((x, when) for x in rivals)
            elif question is not None:
                doubtful = [x for x in rivals if x.id not in settled]
                if doubtful:
                    question.relations[i] = doubtful

    def _fact_candidates(
        self, d: Draft, resolved: Resolved, new_hashes: set[str], scope: Scope, vectors: Embeddings,
        question: Question,
    ) -> None:  # fmt: skip
        """New facts that read like a current memory of this scope about a shared entity: the model decides
        NONE/UPDATE/INVALIDATE. A fact that names no entity is never matched against others. Gathered in bulk: one
        vector search for every new fact, one read of the close memories and one of their mentions (at most three
        store calls)."""
        asked: list[tuple[int, set[str], list[float]]] = []
        for i, f in enumerate(d.facts):
            vector = vectors.get(f.text)
            entity_ids = {resolved.ids[key] for key in f.entities}
            if f.hash in new_hashes and vector is not None and entity_ids:
                asked.append((i, entity_ids, vector))
        close = self._close("memory", scope, [v for _, _, v in asked], self.settings.fact_candidate)
        ids = _union(close)
        mentions = self.store.mentions(ids) if ids else {}
        by_id = {m.id: m for m in self.store.get_memories(ids)} if ids else {}
        for (i, entity_ids, _), near in zip(asked, close, strict=True):
            found = [m for x in near if (m := by_id.get(x)) is not None
                     and m.scope == scope and entity_ids & set(mentions.get(m.id, []))]  # fmt: skip
            if found:
                question.facts[i] = found

    def _ask(self, d: Draft, question: Question, usage: Usage) -> Verdicts:
        """The one reconciliation call. A failure here keeps the deterministic decisions: nothing is lost."""
        assert self.chat is not None
        entity_list = list(d.entities.values())
        payload = question_payload(
            question,
            [f.text for f in d.facts],
            [(d.entities[r.source].name, r.type, d.entities[r.target].name, r.fact) for r in d.relations],
            [(e.name, e.type) for e in entity_list],
        )
        messages = [{"role": "system", "content": prompts.RECONCILE}, {"role": "user", "content": payload}]
        try:
            room = MAX_CALLS - usage.calls  # a repair only when the budget still has a call for it
            answer, cost = self.chat.structured(messages, Reconciliation, "reconciliation", repair=room >= 2)
        except LlmError as exc:
            log.warning("reconciliation call failed, keeping deterministic decisions: %s", exc)
            usage += exc.usage
            return Verdicts()
        usage += cost
        return accept(question, answer)

    def _apply_verdicts(
        self,
        d: Draft,
        resolved: Resolved,
        question: Question,
        verdicts: Verdicts,
        duplicates: dict[str, MemoryRecord],
        now: Any,
        changes: Changes,
    ) -> None:
        entity_list = list(d.entities.values())
        for index, entity_id in verdicts.entities.items():
            same = next(e for e in question.entities[index] if e.id == entity_id)
            resolved.merge(entity_list[index].normalized, same, entity_list[index])
        for index, verdict in verdicts.relations.items():
            if verdict.action == "NONE":
                changes.skip_relations.add(index)
            elif verdict.action == "INVALIDATE":
                when = invalid_time(d.relations[index].valid_at, now)
                chosen = [x for x in question.relations[index] if x.id in verdict.invalidates]
                changes.relation_invalidations.extend((x, when) for x in chosen)
        for index, decision in verdicts.facts.items():
            fact = d.facts[index]
            target = next((m for m in question.facts[index] if m.id == decision.target_id), None)
            if target is None:
                continue
            if decision.action == "NONE":
                duplicates[fact.hash] = target
            elif decision.action == "UPDATE" and decision.text:
                changes.fact_updates[fact.hash] = (target, decision.text.strip())
            elif decision.action == "INVALIDATE":
                changes.memory_invalidations.append((target, now))

    def _drop_copying_updates(
        self, scope: Scope, changes: Changes, duplicates: dict[str, MemoryRecord], now: Any
    ) -> None:
        """A model's UPDATE whose new text is already another current memory of the scope would store that fact
        twice (the store refuses it): the fact links to the memory that says it, and the outdated target stops
        being current instead of being rewritten."""
        wanted = {text_hash(text): fact_hash for fact_hash, (_, text) in changes.fact_updates.items()}
        if not wanted:
            return
        for new_hash, holder in self.store.find_memories_by_hash(scope, list(wanted)).items():
            fact_hash = wanted[new_hash]
            target, _ = changes.fact_updates[fact_hash]
            if holder.id == target.id:
                continue
            del changes.fact_updates[fact_hash]
            duplicates[fact_hash] = holder
            changes.memory_invalidations.append((target, now))

    def _invalidate_unsupported_memories(self, scope: Scope, changes: Changes, now: Any) -> None:
        """A memory whose every current relation is being invalidated stops being current too."""
        gone = {r.id for r, _ in changes.relation_invalidations}
        if not gone:
            return
        when = {r.id: t for r, t in changes.relation_invalidations}
        cited = {m for r, _ in changes.relation_invalidations for m in r.provenance.memory_ids}
        support: dict[str, list[RelationRecord]] = {}
        for relation in self.store.relations_citing(scope, list(cited)):
            for memory_id in relation.provenance.memory_ids:
                support.setdefault(memory_id, []).append(relation)
        already = {m.id for m, _ in changes.memory_invalidations}
        for memory in self.store.get_memories(sorted(cited)):
            relations = support.get(memory.id, [])
            if memory.id not in already and relations and all(r.id in gone for r in relations):
                changes.memory_invalidations.append((memory, min(when[r.id] for r in relations)))

    def _speaker(self, scope: Scope) -> str:
        """Who "I" is for this scope's user: a name they introduced earlier, else their user id, else 'User'."""
        if not scope.user_id:
            return "User"
        known = self.store.find_entities(scope, [normalize_name(scope.user_id)])
        entity = known.get(normalize_name(scope.user_id))
        return entity.name if entity else scope.user_id


@dataclass
class _Stage:
    name: str = "read"


def _settled(results: list[MemoryEvent], remap: dict[str, str]) -> list[MemoryEvent]:
    """Results as written: a memory another writer added first (the store remapped it) is that writer's, not new."""
    if not remap:
        return results
    return [r.model_copy(update={"id": remap[r.id], "event": "NONE"}) if r.event == "ADD" and r.id in remap else r
            for r in results]  # fmt: skip


def _identity(origin: Origin | None) -> tuple[str, datetime]:
    """A new episode's id and time: fresh, or an exported episode's (``import_``), so that its records are dated as
    the original and keep the ids derived from its id."""
    if origin is None:
        return str(uuid.uuid4()), utcnow()
    return origin.episode_id or str(uuid.uuid4()), origin.created_at


def _withdraw(
    citing: list[RelationRecord],
    asserted: set[tuple[str, str, str]],
    alone: frozenset[str],
    changes: Changes,
    now: datetime,
) -> list[RelationRecord]:
    """What an updated memory's old text supported and its new text does not say: relations it alone supported
    are invalidated (once each, whatever else invalidates them too); the rest, still supported by other memories,
    are returned to be unlinked from it."""
    withdrawn = [r for r in citing if (r.source_id, r.type, r.target_id) not in asserted]
    first: dict[str, tuple[RelationRecord, datetime]] = {}
    for r, t in [*changes.relation_invalidations, *((r, now) for r in withdrawn if r.id in alone)]:
        first.setdefault(r.id, (r, t))
    changes.relation_invalidations = list(first.values())
    return [r for r in withdrawn if r.id not in first]


def _unstored_episode(plan: WritePlan) -> None:
    """An update's plan names no episode (none is stored for it): no links to one, no provenance citing one."""
    plan.memory_episode_links = []
    for relation in plan.relations:
        relation.provenance.episode_ids = []
    for asserted_again in plan.relation_updates:
        asserted_again.episode_ids = []


def _alias_speaker(extraction: Extraction, user_id: str) -> None:
    """Remember that the user's self-introduced name and their user id are the same entity."""
    key = normalize_name(extraction.speaker or "")
    for entity in extraction.entities:
        if normalize_name(entity.name) == key and user_id not in entity.aliases:
            entity.aliases.append(user_id)


def _stored_keys(d: Draft, resolved: Resolved) -> list[tuple[str, str, str]]:
    """Relation keys that may already be stored: both ends resolved to existing entities (a relation touching an
    entity this add creates cannot exist yet), so a bulk load into a new region of the graph looks up nothing."""
    new_ids = {resolved.ids[e.normalized] for e in resolved.new}
    return [k for k in relation_keys(d, resolved) if k[0] not in new_ids and k[2] not in new_ids]


def _union(close: list[dict[str, float]]) -> list[str]:
    """Every id in the per-item candidate lists, once each, in first-seen order (one bulk read for all items)."""
    return list(dict.fromkeys(i for near in close for i in near))


def _lookup_keys(d: Draft) -> list[str]:
    keys = list(d.entities)
    for entity in d.entities.values():
        keys.extend(normalize_name(a) for a in entity.aliases)
    return keys
