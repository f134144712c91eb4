"""A search query longer than ``limits.max_query_chars`` is cut before it is tokenized or embedded (issue 11,
point 4): ``recall/query.py`` does it by itself, whatever the entry point checked. A 1 MB query used to be
tokenized and matched whole."""

from __future__ import annotations

import re
from typing import Any

import pytest

from graphmem.config import LimitsConfig
from graphmem.models import Scope
from graphmem.providers.embed import Embedder
from graphmem.providers.phrases import PhraseVectors
from graphmem.recall.query import make_query
from graphmem.vocab import WORD

WORDS = ("where", "does", "bob", "live")


class RecordingPattern:
    """``vocab.WORD`` that records each text it splits."""

    def __init__(self, inner: re.Pattern[str]) -> None:
        self.inner = inner
        self.texts: list[str] = []

    def findall(self, text: str) -> list[Any]:
        self.texts.append(text)
        return self.inner.findall(text)


class RecordingEmbedder:
    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.dim = inner.dim
        self.texts: list[str] = []

    def embed(self, texts: list[str]) -> Any:
        self.texts.extend(texts)
        return self.inner.embed(texts)


def test_a_huge_query_is_cut_before_it_is_tokenized_or_embedded(
    embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    recording = RecordingPattern(WORD)
    monkeypatch.setattr("graphmem.vocab.WORD", recording)
    seen = RecordingEmbedder(embedder)
    huge = " ".join(WORDS * 60_000)  # about 1 MB
    bound = LimitsConfig().max_query_chars
    q = make_query(huge, Scope(user_id="u"), None, PhraseVectors(seen))  # type: ignore[arg-type]
    assert 0 < len(q.text) <= bound and huge.startswith(q.text)
    assert recording.texts and max(len(t) for t in recording.texts) <= bound
    assert seen.texts and max(len(t) for t in seen.texts) <= bound
    assert q.words[:4] == WORDS and q.words[-1] in WORDS  # cut between words, not inside one
    assert len(q.words) == len(q.text.split())


def test_clip_query_keeps_short_text_and_cuts_at_a_space_or_hard() -> None:
    from graphmem.vocab import clip_query

    assert clip_query("who is bob", 10) == "who is bob"
    assert clip_query("who is bobby", 10) == "who is"
    assert clip_query("x" * 50, 10) == "x" * 10  # no space in the second half: cut hard
    zero: Any = _Zero()
    q = make_query("alpha beta gamma", Scope(user_id="u"), None, PhraseVectors(zero), max_chars=11)
    assert q.text == "alpha beta" and q.words == ("alpha", "beta")


class _Zero:
    dim = 4

    def embed(self, texts: list[str]) -> Any:
        import numpy as np

        return np.zeros((len(texts), self.dim), dtype=np.float32)
