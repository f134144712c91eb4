"""A BERT encoder run in pure numpy, shared by the local embedder and the local cross-encoder (no torch).

A model directory holds ``config.json``, ``tokenizer.json`` and ``model.safetensors``, as Hugging Face writes
them for ``BertModel`` (sentence-transformers' all-MiniLM-L6-v2: keys without a prefix) and for
``BertForSequenceClassification`` (cross-encoders such as ms-marco-MiniLM-L-6-v2: keys under ``bert.``, plus a
pooler and a ``classifier`` head). The directory is checked when a model is configured and the weights are read
on first use, once, under a lock; the loaded model is read-only, so threads share it.
"""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from graphmem.errors import ConfigError

REQUIRED_FILES = ("config.json", "tokenizer.json", "model.safetensors")
_REQUIRED_CONFIG_KEYS = ("hidden_size", "num_attention_heads", "num_hidden_layers", "max_position_embeddings")
# A batch this large (rows x padded length) keeps the matmuls efficient, so past it a much shorter text starts a new
# batch instead of being padded to the batch's longest text.
_MIN_BATCH_TOKENS = 256
# Added to attention scores of padding keys; exp() of it underflows to exactly 0 after the max is subtracted.
_MASK_BIAS = np.float32(-1e9)

F32 = npt.NDArray[np.float32]
Ids = npt.NDArray[np.intp]


@dataclass(frozen=True)
class _Layer:
    """One encoder layer, weights pre-transposed to (in, out) and contiguous so ``x @ w`` hits BLAS directly."""

    w_qkv: F32  # (hidden, 3 * hidden); the query third is pre-scaled by 1/sqrt(head_dim)
    b_qkv: F32
    w_out: F32
    b_out: F32
    ln1_g: F32
    ln1_b: F32
    w_up: F32
    b_up: F32
    w_down: F32
    b_down: F32
    ln2_g: F32
    ln2_b: F32


@dataclass(frozen=True)
class Head:
    """BertForSequenceClassification's head: tanh pooler over the [CLS] state, then a linear classifier."""

    w_pool: F32  # (hidden, hidden), transposed
    b_pool: F32
    w_cls: F32  # (hidden, labels), transposed
    b_cls: F32


@dataclass(frozen=True)
class Bert:
    """Everything the forward pass reads. Immutable once built, so threads share it without locking."""

    tokenizer: Any  # tokenizers.Tokenizer (untyped library)
    word_emb: F32
    pos_type_emb: F32  # position embeddings with token-type 0 already added
    type_delta: F32  # token-type embeddings minus type 0's: added only for pair inputs (segment B)
    emb_ln_g: F32
    emb_ln_b: F32
    layers: tuple[_Layer, ...]
    heads: int
    eps: np.float32
    head: Head | None  # present when the checkpoint has a classifier (a cross-encoder)


def read_config(model_dir: Path, field: str, remedy: str) -> dict[str, Any]:
    """Check the model directory up front so a bad path fails at construction, not at the first call."""
    missing = [name for name in REQUIRED_FILES if not (model_dir / name).is_file()]
    if missing:
        raise ConfigError(field, f"{str(model_dir)!r} is not a BERT model directory (missing {', '.join(missing)}); "
                                 f"{remedy}")  # fmt: skip
    try:
        config: dict[str, Any] = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(field, f"cannot read {str(model_dir / 'config.json')!r}: {exc}") from exc
    missing_keys = [key for key in _REQUIRED_CONFIG_KEYS if not isinstance(config.get(key), int)]
    if missing_keys:
        raise ConfigError(
            field, f"{str(model_dir / 'config.json')!r} is not a BERT config (no integer {', '.join(missing_keys)})"
        )
    return config


class LazyBert:
    """A checked model directory whose weights load on first use, once, under a lock.

    ``section`` is the config path of the settings (``embedder.config``, ``reranker.config``): errors name
    ``<section>.model_path`` and ``<section>.max_seq_length``.
    """

    def __init__(self, model_dir: Path, section: str, remedy: str, max_seq_length: int | None) -> None:
        if max_seq_length is not None and (
            isinstance(max_seq_length, bool) or not isinstance(max_seq_length, int) or max_seq_length < 2
        ):
            raise ConfigError(
                f"{section}.max_seq_length",
                f"must be an integer >= 2 (room for [CLS] and [SEP]), got {max_seq_length!r}",
            )
        self.model_dir = model_dir
        self.section = section
        self.config = read_config(model_dir, f"{section}.model_path", remedy)
        max_positions = int(self.config["max_position_embeddings"])
        length = max_positions if max_seq_length is None else max_seq_length
        if length > max_positions:
            raise ConfigError(
                f"{section}.max_seq_length",
                f"{length} exceeds the model's {max_positions} position embeddings; use at most that",
            )
        self.max_seq_length = length
        self._model: Bert | None = None
        self._lock = threading.Lock()

    def get(self) -> Bert:
        """The loaded model; double-checked so later calls never touch the lock."""
        model = self._model
        if model is None:
            with self._lock:
                model = self._model
                if model is None:
                    try:
                        model = _load(self.model_dir, self.config, self.max_seq_length)
                    except Exception as exc:  # safetensors/tokenizers raise their own types for corrupt files
                        raise ConfigError(
                            f"{self.section}.model_path", f"cannot load the model from {str(self.model_dir)!r}: {exc}"
                        ) from exc
                    self._model = model
        return model


def _layer_norm(x: F32, gamma: F32, beta: F32, eps: np.float32) -> F32:
    """LayerNorm over the last axis, as BERT applies it (biased variance)."""
    inv_n = np.float32(1.0 / x.shape[-1])
    centered: F32 = x - x.sum(axis=-1, keepdims=True) * inv_n  # sum * 1/n: np.mean's Python wrapper costs more here
    var = np.square(centered).sum(axis=-1, keepdims=True)
    var *= inv_n
    var += eps
    centered /= np.sqrt(var)
    centered *= gamma
    centered += beta
    return centered


# Abramowitz & Stegun 7.1.26: erfc(u) ~= t * P(t) * exp(-u^2) with t = 1 / (1 + p u), u >= 0, |error| <= 1.5e-7,
# which is float32 resolution. scipy is not a dependency and math.erf per element would be far too slow. The
# constants below take |x| directly (u = |x| / sqrt 2) and fold in the 1/2 of Phi(-|x|) = erfc(|x| / sqrt 2) / 2.
_AS_P = np.float32(0.3275911 / math.sqrt(2.0))
_AS_A = tuple(np.float32(0.5 * a) for a in (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592))
_GELU_ROWS = 64  # rows per pass: bounds the temporaries for big batches (32 x 256 tokens) at no speed cost


def _gelu_(x: F32) -> None:
    """Exact (erf) GELU in place. x * Phi(x) == max(x, 0) - |x| * Phi(-|x|), so only Phi(-|x|) is approximated."""
    for start in range(0, x.shape[0], _GELU_ROWS):
        block = x[start : start + _GELU_ROWS]
        z = np.abs(block)
        t = z * _AS_P
        t += np.float32(1.0)
        np.divide(np.float32(1.0), t, out=t)
        h = t * _AS_A[0]
        for coeff in _AS_A[1:]:
            h += coeff
            h *= t
        np.square(z, out=t)
        t *= np.float32(-0.5)
        np.exp(t, out=t)
        h *= t
        h *= z  # |x| * Phi(-|x|)
        np.maximum(block, np.float32(0.0), out=block)
        block -= h


def _softmax_(scores: F32) -> None:
    """Softmax over the last axis, in place."""
    scores -= scores.max(axis=-1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=-1, keepdims=True)


def padded(sequences: Sequence[Sequence[int]], rows: Ids, lengths: Ids) -> Ids:
    """The ``rows`` of ``sequences`` left-aligned in one zero-padded array (0 is [PAD] and token type 0)."""
    out = np.zeros((len(rows), int(lengths[rows].max())), dtype=np.intp)
    for r, row in enumerate(rows):
        out[r, : lengths[row]] = sequences[row]
    return out


def hidden_states(model: Bert, ids: Ids, lengths: Ids, type_ids: Ids | None = None) -> tuple[F32, F32]:
    """Encode one padded batch (rows left-aligned, ``lengths`` real tokens each).

    Returns the last layer's states, shape (batch, seq, hidden), zero at padding, and the (batch, seq) attention
    mask. ``type_ids`` (segment ids of a text pair) default to all 0, as for a single text.

    Only attention needs the padded (batch, seq) layout: every other step works on each token alone, so the
    matmuls, layer norms and GELU run on the real tokens only, packed into one (tokens, hidden) matrix. A query
    embedded with six single words pads those words to the query's length (7 x 14 rows for 14 + 18 real tokens);
    packed, the matmuls read the weights once for 32 rows. Packing changes no row's value beyond BLAS rounding.
    """
    batch, seq = ids.shape
    hidden = model.word_emb.shape[1]
    heads = model.heads
    head_dim = hidden // heads

    keep = (np.arange(seq)[None, :] < lengths[:, None]).astype(np.float32)  # (batch, seq) attention mask
    padding = bool(lengths.min() < seq)
    # where each packed token sits in the padded (batch * seq) layout (every slot when nothing is padded)
    real = np.flatnonzero(keep.ravel()) if padding else np.arange(batch * seq)
    x = model.word_emb[ids.ravel()[real]]
    x += model.pos_type_emb[real % seq]
    if type_ids is not None:
        x += model.type_delta[type_ids.ravel()[real]]
    x = _layer_norm(x, model.emb_ln_g, model.emb_ln_b, model.eps)
    bias = ((np.float32(1.0) - keep) * _MASK_BIAS)[:, None, None, :] if padding else None

    for layer in model.layers:
        qkv: F32 = x @ layer.w_qkv
        qkv += layer.b_qkv
        if padding:  # spread the tokens out for attention; padding keys are masked, padding queries dropped
            spread = np.zeros((batch * seq, 3 * hidden), dtype=np.float32)
            spread[real] = qkv
            qkv = spread
        # (batch*seq, 3*hidden) -> (3, batch, heads, seq, head_dim): views only, matmul reads them strided.
        q, k, v = qkv.reshape(batch, seq, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
        scores: F32 = q @ k.transpose(0, 1, 3, 2)
        if bias is not None:
            scores += bias
        _softmax_(scores)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * seq, hidden)
        if padding:
            context = context[real]
        attn: F32 = context @ layer.w_out
        attn += layer.b_out
        attn += x
        x = _layer_norm(attn, layer.ln1_g, layer.ln1_b, model.eps)

        inner: F32 = x @ layer.w_up
        inner += layer.b_up
        _gelu_(inner)
        out: F32 = inner @ layer.w_down
        out += layer.b_down
        out += x
        x = _layer_norm(out, layer.ln2_g, layer.ln2_b, model.eps)
    if padding:
        states = np.zeros((batch * seq, hidden), dtype=np.float32)
        states[real] = x
        x = states
    return x.reshape(batch, seq, hidden), keep


def classify(head: Head, states: F32) -> F32:
    """The classifier's logits, shape (batch, labels), from the [CLS] (first) token's state."""
    pooled: F32 = np.tanh(states[:, 0, :] @ head.w_pool + head.b_pool)
    logits: F32 = pooled @ head.w_cls
    logits += head.b_cls
    return logits


def length_batches(lengths: Ids, batch_size: int) -> Iterator[Ids]:
    """Group text indices, longest first, into batches of at most ``batch_size`` rows.

    A batch also closes early when the next text is under half the batch's longest and the batch already holds
    ``_MIN_BATCH_TOKENS`` padded tokens: otherwise one long outlier would pad 31 short texts to its length.
    """
    order = np.argsort(-lengths, kind="stable")
    start = 0
    for i in range(1, len(order)):
        rows, longest = i - start, int(lengths[order[start]])
        if rows == batch_size or (2 * int(lengths[order[i]]) < longest and rows * longest >= _MIN_BATCH_TOKENS):
            yield order[start:i]
            start = i
    yield order[start:]


def _load(model_dir: Path, config: dict[str, Any], max_seq_length: int) -> Bert:
    """Read tokenizer and weights, fuse Q/K/V and pre-transpose every matrix once so inference does no copying."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    # tokenizer.json may ship its own truncation and fixed padding; we truncate at max_seq_length counting
    # [CLS]/[SEP] (longest text of a pair first) and pad per batch ourselves. Configured once, before the model is
    # published, because changing these while another thread encodes fails in the Rust side.
    tokenizer.enable_truncation(max_length=max_seq_length)
    tokenizer.no_padding()

    w = load_file(str(model_dir / "model.safetensors"))
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in w else ""  # a ...ForSequenceClassification

    def f32(key: str) -> F32:
        return np.ascontiguousarray(w[prefix + key], dtype=np.float32)

    def linear_t(key: str) -> F32:
        return np.ascontiguousarray(w[prefix + key + ".weight"].T, dtype=np.float32)

    scale = np.float32(1.0 / math.sqrt(hidden // heads))
    layers = []
    for i in range(int(config["num_hidden_layers"])):
        p = f"encoder.layer.{i}."
        w_qkv = np.concatenate(
            [
                linear_t(p + "attention.self.query") * scale,
                linear_t(p + "attention.self.key"),
                linear_t(p + "attention.self.value"),
            ],
            axis=1,
        )
        b_qkv = np.concatenate(
            [
                f32(p + "attention.self.query.bias") * scale,
                f32(p + "attention.self.key.bias"),
                f32(p + "attention.self.value.bias"),
            ]
        )
        layers.append(
            _Layer(
                w_qkv=np.ascontiguousarray(w_qkv, dtype=np.float32),
                b_qkv=b_qkv.astype(np.float32),
                w_out=linear_t(p + "attention.output.dense"),
                b_out=f32(p + "attention.output.dense.bias"),
                ln1_g=f32(p + "attention.output.LayerNorm.weight"),
                ln1_b=f32(p + "attention.output.LayerNorm.bias"),
                w_up=linear_t(p + "intermediate.dense"),
                b_up=f32(p + "intermediate.dense.bias"),
                w_down=linear_t(p + "output.dense"),
                b_down=f32(p + "output.dense.bias"),
                ln2_g=f32(p + "output.LayerNorm.weight"),
                ln2_b=f32(p + "output.LayerNorm.bias"),
            )
        )

    types = f32("embeddings.token_type_embeddings.weight")
    pos_type = f32("embeddings.position_embeddings.weight")[:max_seq_length] + types[0]
    head = None
    if "classifier.weight" in w:
        head = Head(
            w_pool=linear_t("pooler.dense"),
            b_pool=f32("pooler.dense.bias"),
            w_cls=np.ascontiguousarray(w["classifier.weight"].T, dtype=np.float32),
            b_cls=np.ascontiguousarray(w["classifier.bias"], dtype=np.float32),
        )
    return Bert(
        tokenizer=tokenizer,
        word_emb=f32("embeddings.word_embeddings.weight"),
        pos_type_emb=np.ascontiguousarray(pos_type, dtype=np.float32),
        type_delta=np.ascontiguousarray(types - types[0], dtype=np.float32),
        emb_ln_g=f32("embeddings.LayerNorm.weight"),
        emb_ln_b=f32("embeddings.LayerNorm.bias"),
        layers=tuple(layers),
        heads=heads,
        eps=np.float32(config.get("layer_norm_eps", 1e-12)),
        head=head,
    )
