"""Rerankers: MMR's greedy choice, the reranker config, ``rerank=True`` without one, and the llm reranker driven
through the real ``openai`` client against the scripted server (tests/llm_server.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from graphmem import AsyncMemory, ConfigError, Memory, ValidationError
from graphmem.config import MemoryConfig
from graphmem.providers.embed import Embedder
from graphmem.recall.rerank import mmr_order
from graphmem.stores.embedded import EmbeddedStore
from tests.llm_server import LlmServer, Refusal, Reply

TEXTS = ["Alice plays tennis on Sundays", "Bob plays chess at the club", "Carol swims every morning",
         "Dan plays tennis with Alice", "Erin runs marathons"]  # fmt: skip
QUERY = "who plays tennis"


# -- mmr ---------------------------------------------------------------------------------------------------------------
def test_mmr_order_trades_relevance_for_novelty_as_lambda_drops() -> None:
    # Three near-copies of one direction (relevance 1.0, 0.9, 0.8) and one different vector (relevance 0.5).
    dup = np.array([1.0, 0.0], dtype=np.float32)
    near = np.array([0.995, 0.0998749], dtype=np.float32)
    other = np.array([0.0, 1.0], dtype=np.float32)
    vectors = np.stack([dup, near, near, other])
    relevance = np.array([1.0, 0.9, 0.8, 0.5], dtype=np.float32)

    assert [i for i, _ in mmr_order(relevance, vectors, 1.0)] == [0, 1, 2, 3]
    picked = mmr_order(relevance, vectors, 0.5)
    assert [i for i, _ in picked] == [0, 3, 1, 2]
    # The objective when picked: 0.5 * 1.0 first; then 0.5 * 0.5 - 0.5 * cos(other, dup) = 0.25.
    assert picked[0][1] == pytest.approx(0.5) and picked[1][1] == pytest.approx(0.25)
    assert [s for _, s in picked] == sorted((s for _, s in picked), reverse=True)
    assert [i for i, _ in mmr_order(relevance, vectors, 0.0)][:2] == [0, 3]


def test_mmr_order_treats_a_missing_embedding_as_similar_to_nothing() -> None:
    vectors = np.stack([np.array([1.0, 0.0]), np.zeros(2), np.array([1.0, 0.0])]).astype(np.float32)
    order = [i for i, _ in mmr_order(np.array([1.0, 0.6, 0.9], dtype=np.float32), vectors, 0.5)]
    assert order == [0, 1, 2]  # the copy of 0 falls behind the memory without a vector


# -- configuration -----------------------------------------------------------------------------------------------------
def test_reranker_config_defaults() -> None:
    assert MemoryConfig.parse({}).reranker is None
    mmr = MemoryConfig.parse({"reranker": {"provider": "mmr"}}).reranker
    assert mmr is not None and mmr.provider == "mmr"
    assert mmr.config.model_dump() == {"pool_factor": 3, "lambda_mult": 0.7}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reranker": {"provider": "mmr", "config": {"lambda_mult": 1.5}}}, "reranker.config.lambda_mult"),
        ({"reranker": {"config": {"lambda_mult": 0.5}}}, "reranker.provider"),
        ({"reranker": {"provider": "bm42"}}, "reranker.provider"),
        ({"reranker": {"provider": "graph_distance", "config": {"wieght": 1}}}, "reranker.config.wieght"),
        ({"reranker": {"provider": "cross_encoder"}}, "reranker.config"),
        ({"reranker": {"provider": "llm", "config": {"llm": {"provider": "rules"}}}}, "reranker.config.llm.provider"),
        (
            {"reranker": {"provider": "llm", "config": {"llm": {"provider": "openai", "config": {"modle": "x"}}}}},
            "reranker.config.llm.config.modle",
        ),
    ],
)
def test_bad_reranker_config_names_the_key(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        MemoryConfig.parse(data)
    assert info.value.field == field


@pytest.fixture
def memory(tmp_path: Path, embedder: Embedder) -> Iterator[Memory]:
    m = Memory(store=EmbeddedStore(tmp_path / "g.db", embedder.dim), embedder=embedder)
    for text in TEXTS:
        m.add(text, user_id="u", infer=False)
    yield m
    m.close()


def test_rerank_without_a_reranker_says_how_to_configure_one(memory: Memory) -> None:
    with pytest.raises(ValidationError) as info:
        memory.search(QUERY, user_id="u", rerank=True)
    assert info.value.field == "rerank"
    assert '"reranker": {"provider": "mmr"}' in str(info.value) and "cross_encoder" in str(info.value)
    with pytest.raises(ValidationError) as info:
        memory.search(QUERY, user_id="u", rerank="yes")  # type: ignore[arg-type]
    assert info.value.field == "rerank"
    assert "rerank" not in memory.search(QUERY, user_id="u")  # no rerank asked: the answer is unchanged


# -- llm ---------------------------------------------------------------------------------------------------------------
def llm_memory(tmp_path: Path, embedder: Embedder, server: LlmServer, own_model: bool = False) -> Memory:
    chat = {"provider": "openai", "config": {"model": "gpt-rerank", "api_key": "sk-test", "base_url": server.base_url,
                                             "max_retries": 0, "timeout": 5.0}}  # fmt: skip
    config: dict[str, Any] = {"reranker": {"provider": "llm", "config": {"llm": chat} if own_model else {}}}
    if not own_model:
        config["llm"] = chat
    m = Memory(config, store=EmbeddedStore(tmp_path / "g.db", embedder.dim), embedder=embedder)
    for text in TEXTS:
        m.add(text, user_id="u", infer=False)  # no extraction: no chat call
    return m


@pytest.mark.parametrize("own_model", [False, True])
def test_llm_reranker_makes_one_call_and_follows_its_order(
    tmp_path: Path, embedder: Embedder, llm_server: LlmServer, own_model: bool
) -> None:
    with llm_memory(tmp_path, embedder, llm_server, own_model) as m:
        fused = [r["memory"] for r in m.search(QUERY, user_id="u", limit=3)["results"]]
        assert llm_server.chat_requests == []  # plain search calls no model
        llm_server.script_chat(Reply({"ranking": [4, 2, 4, 99]}))  # a repeat and an unknown number are dropped
        out = m.search(QUERY, user_id="u", limit=3, rerank=True)

    (request,) = llm_server.chat_requests
    assert request.body["model"] == "gpt-rerank"
    assert request.body["response_format"]["json_schema"]["name"] == "rerank"
    payload = json.loads(request.body["messages"][1]["content"])
    assert payload["question"] == QUERY
    numbered = [c["number"] for c in payload["candidates"]]
    assert numbered == list(range(len(TEXTS)))  # limit 3 * pool_factor 3 covers all five memories
    by_number = {c["number"]: c["memory"] for c in payload["candidates"]}
    assert set(by_number.values()) == set(TEXTS) and [by_number[i] for i in range(3)] == fused  # fused order
    # The model's picks first, then what it left out in fused order (candidate 0 is the fused first).
    assert [r["memory"] for r in out["results"]] == [by_number[4], by_number[2], by_number[0]]
    assert [r["rerank_score"] for r in out["results"]] == [1.0, 0.8, 0.6]
    assert out["rerank"]["reranker"] == "llm:openai:gpt-rerank" and out["rerank"]["error"] is None
    assert out["rerank"]["usage"]["llm_calls"] == 1 and out["rerank"]["usage"]["tokens"] == 15


@pytest.mark.parametrize(
    "reply",
    [Reply("this is not JSON"), Refusal(), Reply({"ranking": [42, -1]}), Reply({"order": [1, 0]})],
    ids=["malformed", "refusal", "no-valid-number", "wrong-shape"],
)
def test_llm_reranker_keeps_the_fused_order_when_the_reply_is_unusable(
    tmp_path: Path, embedder: Embedder, llm_server: LlmServer, reply: Reply | Refusal
) -> None:
    with llm_memory(tmp_path, embedder, llm_server) as m:
        fused = m.search(QUERY, user_id="u", limit=3)["results"]
        llm_server.script_chat(reply, Reply({"ranking": [4, 3, 2, 1, 0]}))  # a repair call would get this
        out = m.search(QUERY, user_id="u", limit=3, rerank=True)
    assert len(llm_server.chat_requests) == 1  # no repair call on the search path
    assert [r["id"] for r in out["results"]] == [r["id"] for r in fused]
    assert [r["rerank_score"] for r in out["results"]] == [None, None, None]
    assert "fused order kept" in out["rerank"]["error"]
    assert out["rerank"]["usage"]["llm_calls"] == 1


def test_llm_reranker_needs_a_chat_model(tmp_path: Path, embedder: Embedder) -> None:
    with pytest.raises(ConfigError) as info:
        Memory({"reranker": {"provider": "llm"}}, store=EmbeddedStore(tmp_path / "g.db", embedder.dim),
               embedder=embedder)  # fmt: skip
    assert info.value.field == "reranker.config.llm" and "top-level llm" in str(info.value)


def test_async_memory_reranks_per_call(tmp_path: Path, embedder: Embedder) -> None:
    async def both() -> tuple[dict[str, Any], dict[str, Any]]:
        m = AsyncMemory({"reranker": {"provider": "mmr", "config": {"lambda_mult": 0.0}}},
                        store=EmbeddedStore(tmp_path / "g.db", embedder.dim), embedder=embedder)  # fmt: skip
        for text in TEXTS:
            await m.add(text, user_id="u", infer=False)
        plain, reranked = await asyncio.gather(
            m.search(QUERY, user_id="u", limit=3), m.search(QUERY, user_id="u", limit=3, rerank=True)
        )
        await m.close()
        return plain, reranked

    plain, reranked = asyncio.run(both())
    assert "rerank" not in plain and "rerank_score" not in plain["results"][0]
    assert reranked["rerank"]["reranker"] == "mmr"
    assert all(isinstance(r["rerank_score"], float) for r in reranked["results"])
    assert reranked["results"][0]["id"] == plain["results"][0]["id"]  # MMR starts from the most relevant
