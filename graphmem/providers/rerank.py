"""Model-backed relevance for the rerankers: a local BERT cross-encoder, and one chat-model call that orders.

The cross-encoder is the numpy BERT encoder the local embedder uses (``providers/bert.py``), fed a
``[CLS] query [SEP] memory [SEP]`` pair with segment ids and read through the checkpoint's classifier head: no
torch, nothing to install beyond graphmem itself. The chat call asks for the candidates' numbers in order of
relevance, with a JSON Schema (``schemas/rerank.schema.json``), and makes no repair call: a search spends at most
one model call.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from graphmem.errors import ConfigError, ValidationError
from graphmem.providers.bert import F32, REQUIRED_FILES, LazyBert, classify, hidden_states, length_batches, padded
from graphmem.providers.llm import ChatModel, Usage

_SECTION = "reranker.config"
_REMEDY = (
    f"pass the directory of a BERT cross-encoder (such as cross-encoder/ms-marco-MiniLM-L-6-v2) holding "
    f"{', '.join(REQUIRED_FILES)}"
)

RERANK_PROMPT = """You rank an AI assistant's memories by how well each helps answer a question.

You get the question and numbered candidate memories. Return "ranking": the candidate numbers, most useful first.
Include every number once. Judge only by the candidates' text."""


class CrossEncoder:
    """Relevance of (query, text) pairs from a BERT cross-encoder run in numpy: sigmoid of its one logit.

    Construction checks the directory (a bad path is a ``ConfigError`` naming ``reranker.config.model_path``);
    the weights load on the first ``score`` call. Safe to call from several threads.
    """

    def __init__(self, model_path: str | Path, *, batch_size: int = 16, max_seq_length: int | None = None) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ConfigError(f"{_SECTION}.batch_size", f"must be an integer >= 1, got {batch_size!r}")
        self._bert = LazyBert(Path(model_path).expanduser(), _SECTION, _REMEDY, max_seq_length)
        self.name = f"cross_encoder:{self._bert.model_dir.name}"
        self.batch_size = batch_size

    def score(self, query: str, texts: list[str]) -> F32:
        """One relevance in (0, 1) per text, in input order."""
        for i, text in enumerate(texts):
            if not isinstance(text, str):
                raise ValidationError(f"texts[{i}]", f"must be a str, got {type(text).__name__}")
        logits = np.empty(len(texts), dtype=np.float32)
        if not texts:
            return logits
        model = self._bert.get()
        head = model.head
        if head is None or head.w_cls.shape[1] != 1:
            found = "no classifier head" if head is None else f"{head.w_cls.shape[1]} outputs"
            raise ConfigError(
                f"{_SECTION}.model_path",
                f"{str(self._bert.model_dir)!r} is not a relevance cross-encoder ({found}; want a "
                "BertForSequenceClassification with one output)",
            )
        encodings = model.tokenizer.encode_batch([(query, text) for text in texts])
        ids = [enc.ids for enc in encodings]
        segments = [enc.type_ids for enc in encodings]
        lengths = np.fromiter((len(i) for i in ids), dtype=np.intp, count=len(ids))
        for rows in length_batches(lengths, self.batch_size):
            states, _ = hidden_states(model, padded(ids, rows, lengths), lengths[rows], padded(segments, rows, lengths))
            logits[rows] = classify(head, states)[:, 0]
        scores: F32 = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
        return scores


class RerankOrder(BaseModel):
    """What the llm reranker's call answers."""

    ranking: list[int] = Field(description="candidate numbers, most useful first, each once")


def llm_order(chat: ChatModel, query: str, texts: list[str], max_chars: int) -> tuple[list[int], Usage]:
    """ONE chat call ordering ``texts`` for ``query``: valid, distinct candidate indexes as the model ranked them.

    Numbers the model invents or repeats are dropped; candidates it leaves out are the caller's to place. Raises
    ``LlmError`` when the call yields nothing usable (no repair call is made).
    """
    payload: dict[str, Any] = {
        "question": query,
        "candidates": [{"number": i, "memory": text[:max_chars]} for i, text in enumerate(texts)],
    }
    messages = [
        {"role": "system", "content": RERANK_PROMPT},
        {"role": "user", "content": json.dumps(payload, ensure_ascii=False)},
    ]
    answer, usage = chat.structured(messages, RerankOrder, "rerank", repair=False)
    order = [i for i in dict.fromkeys(answer.ranking) if 0 <= i < len(texts)]
    return order, usage
