"""The local cross-encoder reranker on a tiny random BERT checkpoint built here (no model download): pair encoding
with segment ids, the classifier head, batching, config errors, and its use by ``search(..., rerank=True)``.

The scores are checked against a plain float64 BERT written out below, independent of the numpy encoder.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from safetensors.numpy import save_file
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers, processors

from graphmem import ConfigError, Memory
from graphmem.providers.embed import Embedder
from graphmem.providers.rerank import CrossEncoder
from graphmem.stores.embedded import EmbeddedStore

WORDS = ["alice", "bob", "carol", "likes", "owns", "hates", "red", "blue", "green", "apples", "boats", "cars", "a",
         "the", "who", "what", "does"]  # fmt: skip
VOCAB = {w: i for i, w in enumerate(["[PAD]", "[UNK]", "[CLS]", "[SEP]", *WORDS])}
CONFIG = {"hidden_size": 16, "num_attention_heads": 2, "num_hidden_layers": 2, "intermediate_size": 32,
          "max_position_embeddings": 40, "type_vocab_size": 2, "layer_norm_eps": 1e-12,
          "architectures": ["BertForSequenceClassification"]}  # fmt: skip
TEXTS = ["alice likes red apples", "bob owns blue boats", "carol hates green cars", "alice owns a red car",
         "bob likes apples", "the green boats"]  # fmt: skip
QUERY = "what does alice like"


def random_weights(seed: int = 7) -> dict[str, np.ndarray[Any, Any]]:
    """A BertForSequenceClassification state dict (keys under ``bert.``), scaled so scores spread out."""
    rng = np.random.default_rng(seed)
    h, inner = CONFIG["hidden_size"], CONFIG["intermediate_size"]

    def r(*shape: int, scale: float = 0.4) -> np.ndarray[Any, Any]:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    w = {
        "bert.embeddings.word_embeddings.weight": r(len(VOCAB), h, scale=1.0),
        "bert.embeddings.position_embeddings.weight": r(CONFIG["max_position_embeddings"], h),
        "bert.embeddings.token_type_embeddings.weight": r(2, h, scale=1.0),
        "bert.embeddings.LayerNorm.weight": 1 + r(h, scale=0.1),
        "bert.embeddings.LayerNorm.bias": r(h, scale=0.1),
        "bert.pooler.dense.weight": r(h, h),
        "bert.pooler.dense.bias": r(h),
        "classifier.weight": r(1, h, scale=1.0),
        "classifier.bias": r(1),
    }
    for i in range(CONFIG["num_hidden_layers"]):
        p = f"bert.encoder.layer.{i}."
        for name in ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"):
            w[p + name + ".weight"], w[p + name + ".bias"] = r(h, h), r(h, scale=0.1)
        w[p + "intermediate.dense.weight"], w[p + "intermediate.dense.bias"] = r(inner, h), r(inner, scale=0.1)
        w[p + "output.dense.weight"], w[p + "output.dense.bias"] = r(h, inner), r(h, scale=0.1)
        for ln in ("attention.output.LayerNorm", "output.LayerNorm"):
            w[p + ln + ".weight"], w[p + ln + ".bias"] = 1 + r(h, scale=0.1), r(h, scale=0.1)
    return w


def write_checkpoint(folder: Path, weights: dict[str, np.ndarray[Any, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = Tokenizer(models.WordPiece(VOCAB, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B:1 [SEP]:1", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer.save(str(folder / "tokenizer.json"))
    (folder / "config.json").write_text(json.dumps(CONFIG))
    save_file(weights, str(folder / "model.safetensors"))
    return folder


@pytest.fixture
def weights() -> dict[str, np.ndarray[Any, Any]]:
    return random_weights()


@pytest.fixture
def model_dir(tmp_path: Path, weights: dict[str, np.ndarray[Any, Any]]) -> Path:
    return write_checkpoint(tmp_path / "tiny-cross-encoder", weights)


def reference_scores(
    weights: dict[str, np.ndarray[Any, Any]], folder: Path, query: str, texts: list[str]
) -> list[float]:
    """Textbook BERT in float64, one pair at a time: embeddings (word + position + segment), post-LN layers with
    exact-erf GELU, tanh pooler on [CLS], linear classifier, sigmoid."""
    w = {k: v.astype(np.float64) for k, v in weights.items()}
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    heads = CONFIG["num_attention_heads"]

    def ln(x: np.ndarray[Any, Any], key: str) -> np.ndarray[Any, Any]:
        mu, var = x.mean(-1, keepdims=True), x.var(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + 1e-12) * w[key + ".weight"] + w[key + ".bias"]

    def dense(x: np.ndarray[Any, Any], key: str) -> np.ndarray[Any, Any]:
        return x @ w[key + ".weight"].T + w[key + ".bias"]

    gelu = np.vectorize(lambda v: 0.5 * v * (1 + math.erf(v / math.sqrt(2))))
    out = []
    for text in texts:
        enc = tokenizer.encode(query, text)
        e = "bert.embeddings."
        x = w[e + "word_embeddings.weight"][enc.ids] + w[e + "position_embeddings.weight"][: len(enc.ids)]
        x = ln(x + w[e + "token_type_embeddings.weight"][enc.type_ids], e + "LayerNorm")
        for i in range(CONFIG["num_hidden_layers"]):
            p = f"bert.encoder.layer.{i}."
            q, k, v = (dense(x, p + f"attention.self.{n}") for n in ("query", "key", "value"))
            d = q.shape[1] // heads
            ctx = []
            for hd in range(heads):
                s = slice(hd * d, (hd + 1) * d)
                a = q[:, s] @ k[:, s].T / math.sqrt(d)
                a = np.exp(a - a.max(-1, keepdims=True))
                ctx.append((a / a.sum(-1, keepdims=True)) @ v[:, s])
            attended = dense(np.concatenate(ctx, axis=1), p + "attention.output.dense")
            x = ln(x + attended, p + "attention.output.LayerNorm")
            x = ln(x + dense(gelu(dense(x, p + "intermediate.dense")), p + "output.dense"), p + "output.LayerNorm")
        logit = dense(np.tanh(dense(x[0], "bert.pooler.dense")), "classifier")[0]
        out.append(1 / (1 + math.exp(-logit)))
    return out


def test_scores_match_a_plain_bert_on_query_document_pairs(
    model_dir: Path, weights: dict[str, np.ndarray[Any, Any]]
) -> None:
    encoder = CrossEncoder(model_dir)
    scores = encoder.score(QUERY, TEXTS)
    assert scores.shape == (len(TEXTS),) and scores.dtype == np.float32
    np.testing.assert_allclose(scores, reference_scores(weights, model_dir, QUERY, TEXTS), atol=1e-5)
    assert scores.max() - scores.min() > 0.05  # the weights spread the texts out: an ordering test means something
    assert encoder.name == "cross_encoder:tiny-cross-encoder"


def test_segment_ids_reach_the_model(tmp_path: Path, model_dir: Path, weights: dict[str, np.ndarray[Any, Any]]) -> None:
    """The document half of a pair is segment 1: with segment 1's embedding changed, scores change."""
    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    pair = tokenizer.encode(QUERY, TEXTS[0])
    assert pair.type_ids == [0] * (len(QUERY.split()) + 2) + [1] * (len(TEXTS[0].split()) + 1)
    same_segments = dict(weights)
    types = weights["bert.embeddings.token_type_embeddings.weight"]
    same_segments["bert.embeddings.token_type_embeddings.weight"] = np.stack([types[0], types[0]])
    flat = CrossEncoder(write_checkpoint(tmp_path / "flat", same_segments)).score(QUERY, TEXTS)
    assert np.abs(flat - CrossEncoder(model_dir).score(QUERY, TEXTS)).max() > 1e-3


def test_the_classifier_weights_dictate_the_order(tmp_path: Path, weights: dict[str, np.ndarray[Any, Any]]) -> None:
    scores = CrossEncoder(write_checkpoint(tmp_path / "a", weights)).score(QUERY, TEXTS)
    negated = dict(weights, **{"classifier.weight": -weights["classifier.weight"],
                               "classifier.bias": -weights["classifier.bias"]})  # fmt: skip
    flipped = CrossEncoder(write_checkpoint(tmp_path / "b", negated)).score(QUERY, TEXTS)
    np.testing.assert_allclose(flipped, 1 - scores, atol=1e-6)  # sigmoid(-x) = 1 - sigmoid(x)
    assert list(np.argsort(-flipped, kind="stable")) == list(np.argsort(scores, kind="stable"))


def test_batches_and_truncation_do_not_change_scores(model_dir: Path) -> None:
    texts = [*TEXTS, " ".join(WORDS * 4), "alice"]  # one pair longer than the 40 positions, cut to fit
    one_by_one = CrossEncoder(model_dir, batch_size=1).score(QUERY, texts)
    batched = CrossEncoder(model_dir, batch_size=16).score(QUERY, texts)
    np.testing.assert_allclose(batched, one_by_one, atol=1e-5)
    assert CrossEncoder(model_dir).score(QUERY, []).shape == (0,)


def test_bad_model_paths_are_config_errors_naming_the_field(
    tmp_path: Path, weights: dict[str, np.ndarray[Any, Any]]
) -> None:
    with pytest.raises(ConfigError) as info:
        Memory.from_config({"graph_store": {"config": {"path": str(tmp_path / "g.db")}},
                            "reranker": {"provider": "cross_encoder",
                                         "config": {"model_path": str(tmp_path / "no")}}})  # fmt: skip
    assert info.value.field == "reranker.config.model_path" and "model.safetensors" in str(info.value)
    headless = {k: v for k, v in weights.items() if not k.startswith("classifier.")}
    encoder = CrossEncoder(write_checkpoint(tmp_path / "headless", headless))  # a plain encoder: caught on first use
    with pytest.raises(ConfigError, match="no classifier head") as info:
        encoder.score(QUERY, TEXTS)
    assert info.value.field == "reranker.config.model_path"
    with pytest.raises(ConfigError) as info:
        CrossEncoder(write_checkpoint(tmp_path / "ok", weights), max_seq_length=41)
    assert info.value.field == "reranker.config.max_seq_length"


def test_search_reranks_by_cross_encoder_score(tmp_path: Path, model_dir: Path, embedder: Embedder) -> None:
    config = {"reranker": {"provider": "cross_encoder", "config": {"model_path": str(model_dir), "batch_size": 4}}}
    with Memory(config, store=EmbeddedStore(tmp_path / "g.db", embedder.dim), embedder=embedder) as m:
        for text in TEXTS:
            m.add(text, user_id="u", infer=False)
        fused = m.search(QUERY, user_id="u", limit=3)
        out = m.search(QUERY, user_id="u", limit=3, rerank=True)
    expected = sorted(zip(CrossEncoder(model_dir).score(QUERY, TEXTS).tolist(), TEXTS, strict=True), reverse=True)
    assert [r["memory"] for r in out["results"]] == [text for _, text in expected[:3]]
    np.testing.assert_allclose([r["rerank_score"] for r in out["results"]], [s for s, _ in expected[:3]], atol=1e-5)
    assert out["rerank"] == {"reranker": "cross_encoder:tiny-cross-encoder", "candidates": len(TEXTS), "error": None}
    assert all({"score", "lanes", "similarity"} <= set(r) for r in out["results"])
    assert [r["memory"] for r in out["results"]] != [r["memory"] for r in fused["results"]]
