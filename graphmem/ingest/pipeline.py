"""The write path of ``add`` (DESIGN §3): episode first, then extract, resolve, embed once, write once."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from graphmem.ingest.extract import ExtractionContext, Extractor
from graphmem.ingest.plan import (
    Embeddings,
    build_plan,
    draft,
    relation_keys,
    resolve_entities,
    texts_to_embed,
)
from graphmem.models import Episode, ExtractedFact, Extraction, Message, Scope, normalize_name, utcnow
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store

log = logging.getLogger(__name__)


@dataclass
class Ingestor:
    store: Store
    embedder: Embedder
    extractor: Extractor

    def add(
        self,
        messages: list[Message],
        scope: Scope,
        metadata: dict[str, Any],
        infer: bool,
        prompt: str | None,
    ) -> dict[str, Any]:
        now = utcnow()
        episode = Episode(
            id=str(uuid.uuid4()),
            scope=scope,
            messages=messages,
            metadata=metadata,
            created_at=now,
            source="message" if infer else "raw",
        )
        self.store.write_episode(episode)
        return self.process(episode, infer=infer, prompt=prompt)

    def add_known(self, extraction: Extraction, scope: Scope, metadata: dict[str, Any], source: str) -> dict[str, Any]:
        """Write an extraction the caller already has (``add_triples``): no extractor, same plan and transaction.

        The episode keeps the input as one message line per triple, so the raw input is never lost.
        """
        lines = [f"{r.source} | {r.type} | {r.target}" for r in extraction.relations]
        episode = Episode(
            id=str(uuid.uuid4()),
            scope=scope,
            messages=[Message(role="data", content="\n".join(lines))],
            metadata=metadata,
            created_at=utcnow(),
            source=source,
        )
        self.store.write_episode(episode)
        return self.process(episode, infer=False, prompt=None, known=extraction)

    def process(
        self, episode: Episode, infer: bool, prompt: str | None, known: Extraction | None = None
    ) -> dict[str, Any]:
        """Extract and write a stored episode; safe to call again for the same episode (ids are derived)."""
        scope, messages, now = episode.scope, episode.messages, episode.created_at
        speaker = self._speaker(scope)
        try:
            if known is not None:
                extraction = known
            elif infer:
                context = ExtractionContext(speaker=speaker, reference_time=now, prompt=prompt)
                extraction = self.extractor.extract(messages, context)
            else:
                extraction = _verbatim(messages)
        except Exception as exc:  # an extractor failure must never lose the episode or crash the caller's add
            log.warning("extraction failed for episode %s: %s", episode.id, exc)
            self.store.set_episode_status(episode.id, "failed", f"{type(exc).__name__}: {exc}")
            return {
                "results": [],
                "relations": {"added": [], "invalidated": []},
                "episode_id": episode.id,
                "error": f"extraction failed: {exc}",
            }
        if scope.user_id and extraction.speaker:
            _alias_speaker(extraction, scope.user_id)
        d = draft(extraction, messages)
        duplicates = self.store.find_memories_by_hash(scope, [f.hash for f in d.facts])
        resolved = resolve_entities(d, episode.id, self.store.find_entities(scope, _lookup_keys(d)))
        existing = self.store.find_relations(scope, relation_keys(d, resolved))
        new_hashes = {f.hash for f in d.facts} - set(duplicates)
        texts = texts_to_embed(d, resolved, new_hashes, set(existing))
        vectors = Embeddings(dict(zip(texts, self.embedder.embed(texts).tolist(), strict=True)) if texts else {})
        plan, results, added = build_plan(
            episode=episode,
            d=d,
            resolved=resolved,
            duplicates=duplicates,
            existing_relations=existing,
            vectors=vectors,
            metadata=episode.metadata,
            now=now,
        )
        self.store.apply(plan)
        return {
            "results": results,
            "relations": {"added": added, "invalidated": []},
            "episode_id": episode.id,
            "usage": {"extractor": self.extractor.name if infer else "none", "llm_calls": 0, "tokens": 0},
        }

    def _speaker(self, scope: Scope) -> str:
        """Who "I" is for this scope's user: a name they introduced earlier, else their user id, else 'User'."""
        if not scope.user_id:
            return "User"
        known = self.store.find_entities(scope, [normalize_name(scope.user_id)])
        entity = known.get(normalize_name(scope.user_id))
        return entity.name if entity else scope.user_id


def _verbatim(messages: list[Message]) -> Extraction:
    """``infer=False``: each non-system message is stored as one memory, exactly as said."""
    return Extraction(
        facts=[
            ExtractedFact(text=m.content, message_index=i)
            for i, m in enumerate(messages)
            if m.role != "system" and m.content.strip()
        ]
    )


def _alias_speaker(extraction: Extraction, user_id: str) -> None:
    """Remember that the user's self-introduced name and their user id are the same entity."""
    key = normalize_name(extraction.speaker or "")
    for entity in extraction.entities:
        if normalize_name(entity.name) == key and user_id not in entity.aliases:
            entity.aliases.append(user_id)


def _lookup_keys(d: Any) -> list[str]:
    keys = list(d.entities)
    for entity in d.entities.values():
        keys.extend(normalize_name(a) for a in entity.aliases)
    return keys
