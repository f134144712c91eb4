"""Pieces that need no store: the short-text vector cache (write and read paths) and word-stem matching."""

from __future__ import annotations

import numpy as np

from graphmem.providers.phrases import PhraseVectors
from graphmem.recall.graph import _shared_stems


class CountingEmbedder:
    name = "counting"
    dim = 4

    def __init__(self) -> None:
        self.seen: list[list[str]] = []

    def embed(self, texts: list[str]) -> np.ndarray:
        self.seen.append(list(texts))
        rows = np.array([[len(t), t.count("e"), 1.0, 0.0] for t in texts], dtype=np.float32)
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_phrases_are_embedded_once_each_and_rows_follow_the_request() -> None:
    embedder = CountingEmbedder()
    phrases = PhraseVectors(embedder, capacity=3)
    first = phrases.matrix(["directed by", "genre", "directed by"])
    assert embedder.seen == [["directed by", "genre"]]
    assert np.array_equal(first[0], first[2]) and not np.array_equal(first[0], first[1])
    phrases.matrix(["genre", "written by"])
    assert embedder.seen[-1] == ["written by"]
    phrases.matrix(["year", "release"])  # capacity 3: the least recently used ("directed by") is evicted
    phrases.matrix(["directed by"])
    assert embedder.seen[-1] == ["directed by"]
    assert phrases.matrix([]).shape == (0, 4)


def test_shared_stems_link_word_forms_of_one_stem_only() -> None:
    table = _shared_stems(["directed by", "has genre"], ["director", "genres", "dire", "film"])
    assert table[0, 0] == 0.75  # "direct" of 8 letters
    assert table[1, 1] == 5 / 6
    assert table[0, 2] == 0.5  # four shared letters count over the longer word
    assert table[0, 3] == table[1, 3] == 0.0 and table[1, 0] == 0.0  # under four shared letters: nothing


def test_the_query_and_its_unseen_words_share_one_embedding_call() -> None:
    embedder = CountingEmbedder()
    phrases = PhraseVectors(embedder)
    vector = phrases.with_query("who directed it", ["directed"])
    assert embedder.seen == [["who directed it", "directed"]]
    assert np.allclose(vector, CountingEmbedder().embed(["who directed it"])[0])
    phrases.with_query("who directed that", ["directed"])  # a cached word is not embedded again
    assert embedder.seen[-1] == ["who directed that"]
    phrases.matrix(["directed"])
    assert len(embedder.seen) == 2  # served from the cache: no further call


def test_short_texts_are_kept_least_recently_used_out_and_long_ones_never() -> None:
    embedder = CountingEmbedder()
    phrases = PhraseVectors(embedder, capacity=2, max_chars=10)
    first = phrases.matrix(["a", "b", "a fact that is long"])
    phrases.matrix(["a", "b", "a fact that is long"])
    assert embedder.seen[-1] == ["a fact that is long"]  # only the long text is embedded again
    phrases.matrix(["a"])  # "a" is now the most recently used
    phrases.matrix(["c"])
    phrases.matrix(["a", "b", "c"])
    assert embedder.seen[-1] == ["b"]  # "b" was evicted, "a" and "c" were kept
    first[0, 0] = 9.0  # rows are copies: the caller's matrix can change or go away
    assert phrases.matrix(["a"])[0, 0] != 9.0
