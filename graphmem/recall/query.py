"""One search's query, read once: its words, BM25 terms, what it asks of relations, its vector, whether it speaks in
the first person, and where and when it looks. Every lane, the walk and the rerankers read this object, so the text
is tokenized once and embedded once per search (it used to be tokenized four times)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from graphmem.models import Scope
from graphmem.providers.phrases import PhraseVectors
from graphmem.recall.terms import asks_of, first_person, terms_of
from graphmem.stores.base import Vector
from graphmem.vocab import words


@dataclass(frozen=True)
class SearchQuery:
    text: str
    scope: Scope
    as_of: datetime | None
    words: tuple[str, ...]  # every word, lower-cased, in order (``vocab.words``): names are matched against these
    terms: tuple[str, ...]  # distinct content words: what the BM25 lanes search for
    asks: tuple[str, ...]  # content words and what the question words ask for: matched against relation types
    mentions_self: bool  # "me", "my", "I'm": the user's own entity is a seed of the walk
    vector: Vector


def make_query(text: str, scope: Scope, as_of: datetime | None, phrases: PhraseVectors) -> SearchQuery:
    """Tokenize once and embed the query together with its words not embedded before (the walk matches ``asks``
    against relation-type phrases, so their vectors come in the same model call)."""
    all_words = words(text)
    terms, asks = terms_of(all_words), asks_of(all_words)
    vector = phrases.with_query(text, [*terms, *asks])
    return SearchQuery(text, scope, as_of, tuple(all_words), tuple(terms), tuple(asks), first_person(all_words), vector)
