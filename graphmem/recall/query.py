"""One search's query, read once: its words, BM25 terms, what it asks of relations, its vector, whether it speaks in
the first person, and where and when it looks. Every lane, the walk and the rerankers read this object, so the text
is tokenized once and embedded once per search (it used to be tokenized four times).

The text is cut to ``limits.max_query_chars`` first, whatever the caller checked: the embedder reads a few hundred
tokens at most, and a 1 MB query used to be tokenized, BM25-searched and matched word by word whole (it did not end
in four minutes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from graphmem.config import LimitsConfig
from graphmem.models import Scope
from graphmem.providers.phrases import PhraseVectors
from graphmem.recall.terms import asks_of, first_person, terms_of
from graphmem.stores.base import Vector
from graphmem.vocab import clip_query, words


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


_MAX_QUERY_CHARS = LimitsConfig().max_query_chars


def make_query(
    text: str, scope: Scope, as_of: datetime | None, phrases: PhraseVectors, max_chars: int = _MAX_QUERY_CHARS
) -> SearchQuery:
    """Tokenize once and embed the query together with its words not embedded before (the walk matches ``asks``
    against relation-type phrases, so their vectors come in the same model call). ``text`` beyond ``max_chars``
    (``limits.max_query_chars``) is dropped first (``clip_query``)."""
    text = clip_query(text, max_chars)
    all_words = words(text)
    terms, asks = terms_of(all_words), asks_of(all_words)
    vector = phrases.with_query(text, [*terms, *asks])
    return SearchQuery(text, scope, as_of, tuple(all_words), tuple(terms), tuple(asks), first_person(all_words), vector)
