"""Full-text query text for the stores' BM25 indexes (SQLite FTS5, Neo4j's Lucene): the stores own their quoting,
so no store depends on the recall layer for it."""

from __future__ import annotations

from collections.abc import Sequence

from graphmem.vocab import WORD


def quoted_or_query(terms: Sequence[str]) -> str:
    """A full-text expression matching any term, each quoted, for SQLite FTS5 and Lucene alike.

    Only word characters, ``'`` and ``-`` survive inside a term, so a quoted term is always a plain phrase and no
    input can be read as query syntax by either engine.
    """
    cleaned = (" ".join(WORD.findall(t)) for t in terms)
    return " OR ".join(f'"{t}"' for t in cleaned if t)
