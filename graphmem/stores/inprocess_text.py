"""Keyword search in process, for engines without a full-text index: BM25 (``rank-bm25``) over the scope's records.

The documents are a memory's text, or an entity's name with its aliases, split into words the way queries are
(``vocab.words``); only documents holding at least one of the terms are hits. BM25+ keeps every term's weight
positive however common it is in a small scope (plain Okapi IDF turns negative for a word in most documents).
No stemming: an engine with its own analyzer (FTS5's porter, Lucene's) implements ``TextSearch`` natively.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from rank_bm25 import BM25Plus

from graphmem.models import EntityRecord, MemoryRecord, Scope, believed
from graphmem.stores.base import GraphStore, Hit
from graphmem.vocab import words


class InProcessText:
    """``TextSearch`` over a ``GraphStore``'s records."""

    def __init__(self, graph: GraphStore) -> None:
        self.graph = graph

    def text_search(
        self,
        kind: Literal["memory", "entity"],
        scope: Scope,
        terms: Sequence[str],
        k: int,
        as_of: datetime | None = None,
    ) -> list[Hit]:
        wanted = [t.casefold() for t in terms if t]
        if not wanted or k <= 0:
            return []
        docs = self._documents(kind, scope, as_of)
        asked = set(wanted)
        matching = [i for i, (_, tokens) in enumerate(docs) if asked.intersection(tokens)]
        if not matching:
            return []
        # Term statistics over the whole scope; scores for the matching documents only.
        scores = BM25Plus([tokens for _, tokens in docs]).get_batch_scores(wanted, matching)
        hits = [(docs[i][0], float(score)) for i, score in zip(matching, scores, strict=True)]
        hits.sort(key=lambda h: (-h[1], h[0]))
        return hits[:k]

    def _documents(
        self, kind: Literal["memory", "entity"], scope: Scope, as_of: datetime | None
    ) -> list[tuple[str, list[str]]]:
        if kind == "memory":
            memories: list[MemoryRecord] = self.graph.select("memory", scope, include_expired=as_of is not None)
            return [(m.id, words(m.text)) for m in memories if believed(m, as_of)]
        entities: list[EntityRecord] = self.graph.select("entity", scope)
        return [(e.id, words(" ".join([e.name, *e.aliases]))) for e in entities]
