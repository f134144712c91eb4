"""Embedders that call out: any OpenAI-compatible ``/embeddings`` endpoint (OpenAI, Azure, Ollama, vLLM, ...) and
any LangChain ``Embeddings``. Both return L2-normalized float32 rows like the local model, so the stores and the
search treat every embedder the same way.

The dimension is known from config (or, for OpenAI's own models, from their published sizes); otherwise one probe
call discovers it the first time ``dim`` is read.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import openai

from graphmem.providers.embed import Vectors, as_texts
from graphmem.providers.llm import LlmBadOutput
from graphmem.providers.openai_chat import make_openai_client
from graphmem.providers.retry import RetryPolicy, call_with_retries

__all__ = ["LangChainEmbedder", "OpenAIEmbedder", "normalize_rows"]

# Native sizes of OpenAI's embedding models, so the common case needs no probe call.
_KNOWN_DIMS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}
_PROBE = "dimension probe"


def normalize_rows(rows: Any, expected_dim: int | None, source: str) -> Vectors:
    """float32, one row per text, each scaled to unit length (all-zero rows stay zero)."""
    try:
        arr = np.asarray(rows, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise LlmBadOutput(f"{source} returned embeddings that are not numeric vectors: {exc}") from None
    if arr.ndim != 2:
        raise LlmBadOutput(f"{source} returned embeddings of shape {arr.shape}, expected (texts, dim)")
    if expected_dim is not None and arr.shape[1] != expected_dim:
        raise LlmBadOutput(f"{source} returned vectors of size {arr.shape[1]}, expected {expected_dim}")
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    out = np.zeros_like(arr)
    np.divide(arr, norms, out=out, where=norms > 0)
    return out


class _BatchingEmbedder:
    """Batching and a lazily probed ``dim`` (a property with a setter: the ``Embedder`` protocol wants it settable)."""

    batch_size: int
    _dim: int | None
    _dim_lock: threading.Lock

    def _request(self, batch: list[str]) -> Vectors:
        raise NotImplementedError

    def _probe(self) -> int:
        return int(self._request([_PROBE]).shape[1])

    def embed(self, texts: str | Sequence[str]) -> Vectors:
        """(n, dim) unit rows in input order, ``batch_size`` texts per request; a bare string is one text."""
        batch = as_texts(texts)
        if not batch:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = [self._request(batch[i : i + self.batch_size]) for i in range(0, len(batch), self.batch_size)]
        out = np.concatenate(parts, axis=0)
        if self._dim is None:
            self._dim = int(out.shape[1])
        return out

    @property
    def dim(self) -> int:
        if self._dim is None:
            with self._dim_lock:
                if self._dim is None:
                    self._dim = self._probe()
        return self._dim

    @dim.setter
    def dim(self, value: int) -> None:
        self._dim = value


class OpenAIEmbedder(_BatchingEmbedder):
    """Batches texts to an OpenAI-compatible ``/embeddings`` endpoint under the shared retry policy."""

    def __init__(
        self,
        model: str = "text-embedding-3-small",
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        dimensions: int | None = None,
        batch_size: int = 128,
        timeout: float = 60.0,
        max_retries: int = 3,
        backoff: float = 0.5,
        max_backoff: float = 8.0,
        max_retry_after: float = 30.0,
        azure: bool = False,
        azure_endpoint: str | None = None,
        api_version: str | None = None,
        azure_deployment: str | None = None,
        client: openai.OpenAI | None = None,
    ) -> None:
        """``dimensions`` asks the server for shortened vectors (text-embedding-3 models) and fixes ``dim``."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        azure = azure or azure_endpoint is not None
        self.model = model
        self.dimensions = dimensions
        self.batch_size = batch_size
        self.policy = RetryPolicy(max_retries, backoff, max_backoff, max_retry_after)
        self._client = client or make_openai_client(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            azure=azure,
            azure_endpoint=azure_endpoint,
            api_version=api_version,
            azure_deployment=azure_deployment or model,
            key_field="embedder.config.api_key",
        )
        deployment = azure_deployment or model
        self.name = f"azure_openai:{deployment}" if azure else f"openai:{model}"
        self._target = f"embeddings at {self._client.base_url} (model {deployment if azure else model})"
        self._dim = dimensions or (_KNOWN_DIMS.get(model) if base_url is None and not azure else None)
        self._dim_lock = threading.Lock()

    def _request(self, batch: list[str]) -> Vectors:
        kwargs: dict[str, Any] = {
            "model": self.model,
            # OpenAI rejects empty strings; a space embeds as "nothing" the same way.
            "input": [t if t.strip() else " " for t in batch],
            "encoding_format": "float",  # base64 (the SDK default) is not offered by every compatible server
        }
        if self.dimensions is not None:
            kwargs["dimensions"] = self.dimensions
        create: Callable[..., Any] = self._client.embeddings.create
        response = call_with_retries(lambda: create(**kwargs), self.policy, self._target, wrap=(openai.OpenAIError,))
        data = sorted(response.data, key=lambda d: d.index)
        if len(data) != len(batch):
            raise LlmBadOutput(f"{self._target} returned {len(data)} embeddings for {len(batch)} texts")
        return normalize_rows([d.embedding for d in data], self._dim, self._target)


class LangChainEmbedder(_BatchingEmbedder):
    """Wraps a LangChain ``Embeddings`` (``embed_documents``), normalizing and batching like the other embedders.

    LangChain clients retry on their own, so ours default to none (``max_retries=0``); errors still leave as
    ``LlmError`` subclasses.
    """

    def __init__(
        self,
        model: Any,
        *,
        dimensions: int | None = None,
        batch_size: int = 128,
        max_retries: int = 0,
        backoff: float = 0.5,
    ) -> None:
        if not callable(getattr(model, "embed_documents", None)):
            raise TypeError(f"expected a LangChain Embeddings instance, got {type(model).__name__}")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.model = model
        self.batch_size = batch_size
        self.policy = RetryPolicy(max_retries, backoff)
        self.name = f"langchain:{type(model).__name__}"
        self._target = f"LangChain embeddings {type(model).__name__}"
        self._dim = dimensions
        self._dim_lock = threading.Lock()

    def _request(self, batch: list[str]) -> Vectors:
        rows = call_with_retries(lambda: self.model.embed_documents(batch), self.policy, self._target)
        if len(rows) != len(batch):
            raise LlmBadOutput(f"{self._target} returned {len(rows)} embeddings for {len(batch)} texts")
        return normalize_rows(rows, self._dim, self._target)
