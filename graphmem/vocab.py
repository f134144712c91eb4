"""Vocabulary shared by the write side (ingest), the read side (recall) and the stores: how text splits into words
and how a relation type reads as a phrase.

It lives below every layer so that none of them imports another's internals for it: ingest embeds a bulk-loaded
triple's relation by its type phrase and the graph walk matches query words against the same phrase; the query
tokenizer and the stores' full-text quoting agree on what a word is.
"""

from __future__ import annotations

import re

# A word: a letter or digit (or _), then letters, digits, apostrophes and hyphens ("Bob's", "e-mail").
WORD = re.compile(r"[\w][\w'\-]*", re.UNICODE)


def type_phrase(relation_type: str) -> str:
    """'DIRECTED_BY' -> 'directed by': what a bulk-loaded triple's relation embedding is made from."""
    return relation_type.lower().replace("_", " ")


def words(text: str) -> list[str]:
    """Lower-cased words; a possessive "'s" is dropped so "Bob's" matches "Bob". The query side (``recall/terms``)
    and the in-process text search (``stores/inprocess_text``) split text the same way."""
    out = (w.strip("'-").casefold() for w in WORD.findall(text))
    return [w.removesuffix("'s") for w in out if w]


def clip_query(text: str, max_chars: int) -> str:
    """``text`` cut to at most ``max_chars`` characters (``limits.max_query_chars``), at the last space of the second
    half when there is one, so the cut does not leave half a word that matches nothing. The facade cuts a search
    query this way before checking it, and ``recall.query`` again before tokenizing (safe on its own)."""
    if len(text) <= max_chars:
        return text
    cut = text[:max_chars]
    space = max(cut.rfind(" "), cut.rfind("\n"), cut.rfind("\t"))
    return cut[:space] if space >= max_chars // 2 else cut
