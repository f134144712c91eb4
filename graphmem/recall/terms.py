"""Query words for the BM25 lanes, what a query asks of the graph walk, and first-person detection for linking "me"
to the user's entity."""

from __future__ import annotations

from graphmem.vocab import words

_FIRST_PERSON = {"i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll"}

# What a question word asks for, phrased as the relation types that answer it read ("where" -> LOCATED_IN, LIVES_IN,
# BASED_IN; "when" -> dates, RELEASE_YEAR; "who" -> people). BM25 drops question words as stopwords, yet they are
# the part of "Where was GraphConf?" that tells which of GraphConf's relations is the answer.
_ASKS_FOR = {"where": "in what place", "when": "on what date", "who": "which person", "whom": "which person"}

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


def query_terms(text: str) -> list[str]:
    """Distinct content words of a query, in order; all words if every one is a stopword."""
    return terms_of(words(text))


def terms_of(all_words: list[str]) -> list[str]:
    """``query_terms`` of an already tokenized query (``words``): a search tokenizes its query once."""
    content = [w for w in all_words if w not in STOPWORDS]
    return list(dict.fromkeys(content or all_words))


def asked_words(text: str) -> list[str]:
    """What a query asks of the relations it reaches, for matching relation types: its content words and what its
    question words ask for. Unlike ``query_terms`` there is no stopword fallback: "What do you know about me?"
    asks about its entity and nothing narrower, so every relation of that entity answers it."""
    return asks_of(words(text))


def asks_of(all_words: list[str]) -> list[str]:
    """``asked_words`` of an already tokenized query."""
    content = [w for w in all_words if w not in STOPWORDS]
    return list(dict.fromkeys([*content, *(_ASKS_FOR[w] for w in all_words if w in _ASKS_FOR)]))


def mentions_self(text: str) -> bool:
    return first_person(words(text))


def first_person(all_words: list[str]) -> bool:
    """Whether a tokenized query speaks in the first person ("me", "my", "I'm"): "me" is the user's entity."""
    return any(w in _FIRST_PERSON for w in all_words)
