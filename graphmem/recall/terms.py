"""Query words for the BM25 lanes and first-person detection for linking "me" to the user's entity."""

from __future__ import annotations

import re
from collections.abc import Sequence

_WORD = re.compile(r"[\w][\w'\-]*", re.UNICODE)
_FIRST_PERSON = {"i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll"}

# Words that carry no topic: dropping them keeps BM25 from ranking on "what", "do", "the".
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "know",
        "let",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "tell",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
    ]
)


def words(text: str) -> list[str]:
    """Lower-cased words; a possessive "'s" is dropped so "Bob's" matches "Bob"."""
    out = (w.strip("'-").casefold() for w in _WORD.findall(text))
    return [w.removesuffix("'s") for w in out if w]


def query_terms(text: str) -> list[str]:
    """Distinct content words of a query, in order; all words if every one is a stopword."""
    all_words = words(text)
    content = [w for w in all_words if w not in STOPWORDS]
    return list(dict.fromkeys(content or all_words))


def mentions_self(text: str) -> bool:
    return any(w in _FIRST_PERSON for w in words(text))


def quoted_or_query(terms: Sequence[str]) -> str:
    """A full-text expression matching any term, each quoted, for SQLite FTS5 and Lucene alike.

    Only word characters, ``'`` and ``-`` survive inside a term, so a quoted term is always a plain phrase and no
    input can be read as query syntax by either engine.
    """
    cleaned = (" ".join(_WORD.findall(t)) for t in terms)
    return " OR ".join(f'"{t}"' for t in cleaned if t)
