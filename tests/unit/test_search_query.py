"""A search reads its query once (issue 10, point 4): one tokenization and one ``SearchQuery`` that the lanes, the
walk and the rerankers share, where the text used to be tokenized four times and linked twice with a reranker."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from graphmem import Memory
from graphmem.models import Scope
from graphmem.providers.embed import Embedder
from graphmem.providers.phrases import PhraseVectors
from graphmem.recall import terms
from graphmem.stores.embedded import EmbeddedStore
from graphmem.vocab import WORD

QUERY = "Where did I meet Bob's sister?"


class CountingPattern:
    """``vocab.WORD`` that counts how often each text is split into words."""

    def __init__(self, inner: re.Pattern[str]) -> None:
        self.inner = inner
        self.texts: list[str] = []

    def findall(self, text: str) -> list[Any]:
        self.texts.append(text)
        return self.inner.findall(text)


def test_make_query_reads_words_terms_asks_and_the_first_person_once(embedder: Embedder) -> None:
    from graphmem.recall.query import make_query

    q = make_query(QUERY, Scope(user_id="u"), None, PhraseVectors(embedder))
    assert q.words == ("where", "did", "i", "meet", "bob", "sister")
    assert q.terms == tuple(terms.query_terms(QUERY)) == ("meet", "bob", "sister")
    assert q.asks == tuple(terms.asked_words(QUERY)) == ("meet", "bob", "sister", "in what place")
    assert q.mentions_self and q.scope == Scope(user_id="u") and q.as_of is None
    assert q.vector.shape == (embedder.dim,)


@pytest.mark.parametrize("rerank", [False, True])
def test_a_search_tokenizes_its_query_once(
    tmp_path: Path, embedder: Embedder, monkeypatch: pytest.MonkeyPatch, rerank: bool
) -> None:
    config = {"reranker": {"provider": "graph_distance"}}
    m = Memory(config, store=EmbeddedStore(tmp_path / "g.db", embedder.dim), embedder=embedder)
    try:
        m.add("I met Bob's sister Carol in Lisbon.", user_id="u")
        m.add_triples([("Bob", "SIBLING_OF", "Carol")], user_id="u")
        counting = CountingPattern(WORD)
        monkeypatch.setattr("graphmem.vocab.WORD", counting)
        out = m.search(QUERY, user_id="u", rerank=rerank)
        assert out["results"] and out["relations"]  # the graph lane and the walk ran
        assert counting.texts.count(QUERY) == 1
    finally:
        m.close()
