"""The remote chat models and embedders, driven through the real ``openai`` client against a scripted local server
(tests/llm_server.py), and the LangChain adapters over langchain-core's fake models. No network, no waiting: the
backoff is tiny and the retry delays are recorded instead of slept through where a test asserts on them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from langchain_core.embeddings.fake import DeterministicFakeEmbedding
from langchain_core.language_models.fake_chat_models import FakeListChatModel, GenericFakeChatModel
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from graphmem import Memory
from graphmem.assemble import make_chat_model, make_embedder
from graphmem.config import MemoryConfig
from graphmem.errors import ConfigError, ValidationError
from graphmem.providers import retry
from graphmem.providers.embed import Embedder
from graphmem.providers.langchain_chat import LangChainChat, to_langchain_messages
from graphmem.providers.llm import ChatModel, LlmBadOutput, LlmError, LlmRefused, LlmUnavailable
from graphmem.providers.openai_chat import OpenAIChat, strict_schema
from graphmem.providers.remote_embed import LangChainEmbedder, OpenAIEmbedder
from tests.llm_server import Delay, LlmServer, Raw, Refusal, Reply, Vectors


class Person(BaseModel):
    name: str
    age: int
    nickname: str | None = None


class Team(BaseModel):
    title: str = Field(description="the team's name")
    members: list[Person]


class Loose(BaseModel):
    attributes: dict[str, Any]


MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "Extract the person."},
    {"role": "user", "content": "Alice is 30."},
]
ALICE: dict[str, Any] = {"name": "Alice", "age": 30, "nickname": None}


def chat(server: LlmServer, **kwargs: Any) -> OpenAIChat:
    options: dict[str, Any] = {"api_key": "sk-test", "base_url": server.base_url, "backoff": 0.001, "timeout": 5.0}
    return OpenAIChat("gpt-test", **(options | kwargs))


@pytest.fixture
def delays(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[float]]:
    """Record retry delays instead of sleeping through them."""
    recorded: list[float] = []
    monkeypatch.setattr(retry, "_sleep", recorded.append)
    yield recorded


# -- request shape and structured output ---------------------------------------------------------------------------


def test_json_schema_request_shape(llm_server: LlmServer) -> None:
    llm_server.script_chat(Reply(ALICE, prompt_tokens=21, completion_tokens=8))
    model = chat(llm_server)
    person, usage = model.structured(MESSAGES, Person, "person")

    assert person == Person(name="Alice", age=30)
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens) == (1, 21, 8)
    (req,) = llm_server.chat_requests
    assert req.path == "/v1/chat/completions"
    assert req.headers["authorization"] == "Bearer sk-test"
    assert req.body["model"] == "gpt-test" and req.body["temperature"] == 0
    assert req.body["messages"] == MESSAGES
    fmt = req.body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["name"] == "person" and fmt["json_schema"]["strict"] is True
    schema = fmt["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert schema["required"] == ["name", "age", "nickname"]  # strict: every key required, optional ones nullable
    assert {"type": "null"} in schema["properties"]["nickname"]["anyOf"]
    assert model.name == "openai:gpt-test" and isinstance(model, ChatModel)


def test_strict_schema_handles_nesting_and_gives_up_on_free_form_maps() -> None:
    team = strict_schema(Team.model_json_schema())
    assert team is not None
    person = team["$defs"]["Person"]
    assert person["additionalProperties"] is False and person["required"] == ["name", "age", "nickname"]
    assert "default" not in json.dumps(team)
    assert strict_schema(Loose.model_json_schema()) is None


def test_free_form_schema_is_sent_without_strict(llm_server: LlmServer) -> None:
    llm_server.script_chat({"attributes": {"x": 1}})
    loose, _ = chat(llm_server).structured(MESSAGES, Loose, "loose")
    assert loose.attributes == {"x": 1}
    assert llm_server.chat_requests[0].body["response_format"]["json_schema"]["strict"] is False


def test_json_schema_rejected_falls_back_to_json_object_and_remembers(llm_server: LlmServer) -> None:
    llm_server.script_chat(
        Raw.error(400, "response_format json_schema is not supported by this server"),
        Reply(ALICE),
        Reply({"name": "Bob", "age": 41}),
    )
    model = chat(llm_server)
    person, usage = model.structured(MESSAGES, Person, "person")
    assert person.name == "Alice" and usage.calls == 1  # the 400 returned no completion
    assert model.mode == "json_object"
    second, _ = model.structured(MESSAGES, Person, "person")
    assert second.name == "Bob"

    formats = [r.body["response_format"]["type"] for r in llm_server.chat_requests]
    assert formats == ["json_schema", "json_object", "json_object"]
    fallback = llm_server.chat_requests[1].body["messages"]
    assert fallback[0]["role"] == "system" and fallback[0]["content"].startswith("Extract the person.")
    assert "JSON Schema" in fallback[0]["content"] and '"age"' in fallback[0]["content"]
    assert fallback[1:] == MESSAGES[1:]


def test_json_object_mode_puts_schema_in_a_new_system_message(llm_server: LlmServer) -> None:
    llm_server.script_chat(ALICE)
    chat(llm_server, json_mode="json_object").structured([MESSAGES[1]], Person, "person")
    (req,) = llm_server.chat_requests
    assert req.body["response_format"] == {"type": "json_object"}
    assert req.body["messages"][0]["role"] == "system" and "person" in req.body["messages"][0]["content"]


def test_forced_json_schema_does_not_fall_back(llm_server: LlmServer) -> None:
    llm_server.script_chat(Raw.error(400, "response_format json_schema is not supported"))
    with pytest.raises(LlmError, match="HTTP 400") as info:
        chat(llm_server, json_mode="json_schema").structured(MESSAGES, Person, "person")
    assert not isinstance(info.value, LlmUnavailable)
    assert len(llm_server.chat_requests) == 1


def test_bad_json_is_repaired_once(llm_server: LlmServer) -> None:
    llm_server.script_chat(
        Reply("Sure! Here it is: {name: Alice", prompt_tokens=7, completion_tokens=3),
        Reply(ALICE, prompt_tokens=11, completion_tokens=4),
    )
    person, usage = chat(llm_server).structured(MESSAGES, Person, "person")
    assert person.name == "Alice"
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens) == (2, 18, 7)
    repair = llm_server.chat_requests[1].body["messages"]
    assert repair[: len(MESSAGES)] == MESSAGES
    assert repair[-2] == {"role": "assistant", "content": "Sure! Here it is: {name: Alice"}
    assert repair[-1]["role"] == "user" and "not valid JSON" in repair[-1]["content"]


def test_schema_violation_is_quoted_in_the_repair(llm_server: LlmServer) -> None:
    llm_server.script_chat({"name": "Alice", "age": "thirty"}, ALICE)
    person, usage = chat(llm_server).structured(MESSAGES, Person, "person")
    assert person.age == 30 and usage.calls == 2
    assert "age" in llm_server.chat_requests[1].body["messages"][-1]["content"]


def test_fenced_json_needs_no_repair(llm_server: LlmServer) -> None:
    llm_server.script_chat(Reply('```json\n{"name": "Alice", "age": 30}\n```'))
    person, usage = chat(llm_server).structured(MESSAGES, Person, "person")
    assert person.name == "Alice" and usage.calls == 1


def test_repair_that_fails_raises_bad_output(llm_server: LlmServer) -> None:
    llm_server.script_chat(Reply("nope", prompt_tokens=5, completion_tokens=1), Reply({"name": "Alice"}))
    with pytest.raises(LlmBadOutput, match="age") as info:
        chat(llm_server).structured(MESSAGES, Person, "person")
    assert info.value.usage.calls == 2 and info.value.usage.prompt_tokens == 15
    assert len(llm_server.chat_requests) == 2


def test_refusal_raises_refused_without_repair(llm_server: LlmServer) -> None:
    llm_server.script_chat(Refusal("I can't share that."))
    with pytest.raises(LlmRefused, match="can't share") as info:
        chat(llm_server).structured(MESSAGES, Person, "person")
    assert info.value.usage.calls == 1
    assert len(llm_server.chat_requests) == 1


def test_images_need_vision(llm_server: LlmServer) -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    messages = [{"role": "user", "content": [{"type": "text", "text": "Who is this?"}, image]}]
    with pytest.raises(LlmError, match="vision"):
        chat(llm_server).structured(messages, Person, "person")
    assert llm_server.requests == []
    llm_server.script_chat(ALICE)
    chat(llm_server, vision=True).structured(messages, Person, "person")
    assert llm_server.chat_requests[0].body["messages"][0]["content"][1] == image


# -- retries and errors ----------------------------------------------------------------------------------------------


def test_rate_limit_honours_retry_after_capped(llm_server: LlmServer, delays: list[float]) -> None:
    llm_server.script_chat(Raw.error(429, "slow down", retry_after="7"), Raw.error(429, "slow down"), ALICE)
    person, usage = chat(llm_server, max_retry_after=0.25, backoff=0.001).structured(MESSAGES, Person, "person")
    assert person.name == "Alice" and usage.calls == 1
    assert delays[0] == 0.25  # Retry-After: 7 honoured, but capped
    assert 0.001 <= delays[1] <= 0.002  # no header: jittered backoff, doubled for the second retry
    assert len(llm_server.chat_requests) == 3


def test_retry_after_actually_waits(llm_server: LlmServer) -> None:
    llm_server.script_chat(Raw.error(429, "slow down", retry_after_ms="150"), ALICE)
    start = time.monotonic()
    chat(llm_server).structured(MESSAGES, Person, "person")
    assert 0.15 <= time.monotonic() - start < 2.0


def test_server_errors_exhaust_bounded_retries(llm_server: LlmServer, delays: list[float]) -> None:
    llm_server.script_chat(*[Raw.error(500, "upstream exploded")] * 5)
    with pytest.raises(LlmUnavailable) as info:
        chat(llm_server, max_retries=2, backoff=0.1, max_backoff=0.15).structured(MESSAGES, Person, "person")
    assert len(llm_server.chat_requests) == 3  # the first try + 2 retries; the SDK's own retries are off
    message = str(info.value)
    assert llm_server.base_url in message and "gpt-test" in message and "upstream exploded" in message
    assert "500" in message and info.value.usage.calls == 0
    assert len(delays) == 2 and 0.05 <= delays[0] <= 0.1 and 0.075 <= delays[1] <= 0.15  # doubled, then capped


def test_non_json_5xx_is_retried_too(llm_server: LlmServer, delays: list[float]) -> None:
    llm_server.script_chat(Raw(502, "<html>Bad Gateway</html>"), Raw(503, None), ALICE)
    person, _ = chat(llm_server).structured(MESSAGES, Person, "person")
    assert person.name == "Alice" and len(delays) == 2


def test_timeout_is_unavailable_after_retries(llm_server: LlmServer) -> None:
    llm_server.script_chat(Delay(3.0), Delay(3.0))
    start = time.monotonic()
    with pytest.raises(LlmUnavailable, match="Timeout"):
        chat(llm_server, timeout=0.2, max_retries=1).structured(MESSAGES, Person, "person")
    assert time.monotonic() - start < 2.5
    assert len(llm_server.chat_requests) == 2


def test_connection_refused_is_unavailable(delays: list[float]) -> None:
    server = LlmServer().start()
    url = server.base_url
    server.stop()
    with pytest.raises(LlmUnavailable, match="Connection"):
        OpenAIChat("m", api_key="k", base_url=url, max_retries=1).structured(MESSAGES, Person, "person")
    assert len(delays) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_refused_key_is_unavailable_without_retries(llm_server: LlmServer, status: int) -> None:
    llm_server.script_chat(Raw.error(status, "Incorrect API key provided"), ALICE)
    with pytest.raises(LlmUnavailable, match="refused the API key") as info:
        chat(llm_server).structured(MESSAGES, Person, "person")
    assert "Incorrect API key provided" in str(info.value)
    assert len(llm_server.chat_requests) == 1


def test_other_client_errors_carry_the_server_message(llm_server: LlmServer) -> None:
    llm_server.script_chat(Raw.error(404, "The model `gpt-test` does not exist", code="model_not_found"))
    with pytest.raises(LlmError, match="does not exist") as info:
        chat(llm_server).structured(MESSAGES, Person, "person")
    assert type(info.value) is LlmError and len(llm_server.chat_requests) == 1


# -- construction, keys, Azure ---------------------------------------------------------------------------------------


def test_key_comes_from_the_environment_at_construction(llm_server: LlmServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    model = OpenAIChat("gpt-test", base_url=llm_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-changed-later")
    llm_server.script_chat(ALICE)
    model.structured(MESSAGES, Person, "person")
    assert llm_server.chat_requests[0].headers["authorization"] == "Bearer sk-from-env"


def test_missing_key_is_a_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    with pytest.raises(ConfigError) as info:
        OpenAIChat("gpt-test")
    assert info.value.field == "llm.config.api_key"


def test_azure_uses_deployment_path_api_version_and_key_header(llm_server: LlmServer) -> None:
    model = OpenAIChat(
        "gpt-4o",
        api_key="azure-key",
        azure_endpoint=llm_server.endpoint,
        api_version="2024-10-21",
        azure_deployment="extractor",
        backoff=0.001,
    )
    llm_server.script_chat(ALICE)
    person, _ = model.structured(MESSAGES, Person, "person")
    assert person.name == "Alice" and model.name == "azure_openai:extractor"
    (req,) = llm_server.chat_requests
    assert req.path == "/openai/deployments/extractor/chat/completions"
    assert req.query == {"api-version": "2024-10-21"}
    assert req.headers["api-key"] == "azure-key"
    assert req.body["response_format"]["type"] == "json_schema"


def test_azure_from_config_with_env_key(llm_server: LlmServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", "env-azure-key")
    cfg = MemoryConfig.parse(
        {
            "llm": {
                "provider": "azure_openai",
                "config": {"model": "gpt-4o", "azure_endpoint": llm_server.endpoint, "api_version": "2025-01-01"},
            }
        }
    )
    model = make_chat_model(cfg.llm)
    assert model is not None and model.name == "azure_openai:gpt-4o"
    llm_server.script_chat(ALICE)
    model.structured(MESSAGES, Person, "person")
    (req,) = llm_server.chat_requests
    assert req.path == "/openai/deployments/gpt-4o/chat/completions" and req.headers["api-key"] == "env-azure-key"


# -- embeddings ------------------------------------------------------------------------------------------------------


def norms(vectors: np.ndarray[Any, Any]) -> list[float]:
    return [round(float(n), 5) for n in np.linalg.norm(vectors, axis=1)]


def test_openai_embedder_batches_normalizes_and_probes_dim(llm_server: LlmServer) -> None:
    embedder = OpenAIEmbedder("nomic-embed-text", base_url=llm_server.base_url, batch_size=2, backoff=0.001)
    assert isinstance(embedder, Embedder) and embedder.name == "openai:nomic-embed-text"
    assert embedder.dim == 8  # one probe call
    assert embedder.dim == 8 and len(llm_server.embedding_requests) == 1
    assert llm_server.embedding_requests[0].body["input"] == ["dimension probe"]

    texts = ["alice met bob", "bob met alice", "graph databases", "", "carol"]
    vectors = embedder.embed(texts)
    assert vectors.shape == (5, 8) and vectors.dtype == np.float32
    assert norms(vectors) == [1.0] * 5
    batches = [r.body["input"] for r in llm_server.embedding_requests[1:]]
    assert batches == [["alice met bob", "bob met alice"], ["graph databases", " "], ["carol"]]
    assert all(r.body["encoding_format"] == "float" for r in llm_server.requests)
    assert all(r.body["model"] == "nomic-embed-text" for r in llm_server.requests)
    assert float(vectors[0] @ vectors[1]) == pytest.approx(1.0)  # same words: same vector
    assert embedder.embed([]).shape == (0, 8)


def test_openai_embedder_with_dimensions_skips_the_probe(llm_server: LlmServer) -> None:
    embedder = OpenAIEmbedder("text-embedding-3-small", api_key="k", base_url=llm_server.base_url, dimensions=4)
    assert embedder.dim == 4 and llm_server.requests == []
    vectors = embedder.embed(["hello world"])
    assert vectors.shape == (1, 4)
    assert llm_server.embedding_requests[0].body["dimensions"] == 4


def test_remote_embedders_take_a_bare_string_as_one_text(llm_server: LlmServer) -> None:
    openai_embedder = OpenAIEmbedder("e", base_url=llm_server.base_url, dimensions=8)
    vectors = openai_embedder.embed("hello world")
    assert vectors.shape == (1, 8)
    assert [r.body["input"] for r in llm_server.embedding_requests] == [["hello world"]]
    langchain_embedder = LangChainEmbedder(DeterministicFakeEmbedding(size=16))
    np.testing.assert_array_equal(langchain_embedder.embed("hello world"), langchain_embedder.embed(["hello world"]))
    assert langchain_embedder.embed("hello world").shape == (1, 16)
    with pytest.raises(ValidationError) as info:
        openai_embedder.embed(["fine", None])  # type: ignore[list-item]
    assert info.value.field == "texts[1]" and len(llm_server.embedding_requests) == 1


def test_openai_embedder_orders_scripted_rows_and_retries(llm_server: LlmServer, delays: list[float]) -> None:
    llm_server.script_embeddings(Raw.error(503, "warming up"), Vectors([[3.0, 4.0], [0.0, 2.0]]))
    embedder = OpenAIEmbedder("e", base_url=llm_server.base_url, dimensions=2)
    vectors = embedder.embed(["a", "b"])
    np.testing.assert_allclose(vectors, [[0.6, 0.8], [0.0, 1.0]], rtol=1e-6)  # sorted by index, unit length
    assert len(delays) == 1 and len(llm_server.embedding_requests) == 2


def test_openai_embedder_errors(llm_server: LlmServer, delays: list[float]) -> None:
    llm_server.script_embeddings(Vectors([[1.0, 0.0, 0.0]]))
    with pytest.raises(LlmBadOutput, match="size 3, expected 2"):
        OpenAIEmbedder("e", base_url=llm_server.base_url, dimensions=2).embed(["a"])
    llm_server.script_embeddings(*[Raw.error(500, "down")] * 3)
    with pytest.raises(LlmUnavailable, match="embeddings at"):
        OpenAIEmbedder("e", base_url=llm_server.base_url, dimensions=2, max_retries=2).embed(["a"])
    llm_server.script_embeddings(Raw.error(401, "bad key"))
    with pytest.raises(LlmUnavailable, match="refused the API key"):
        OpenAIEmbedder("e", base_url=llm_server.base_url, dimensions=2).embed(["a"])


def test_azure_embedder_from_config(llm_server: LlmServer) -> None:
    cfg = MemoryConfig.parse(
        {
            "embedder": {
                "provider": "azure_openai",
                "config": {
                    "azure_deployment": "emb",
                    "azure_endpoint": llm_server.endpoint,
                    "api_version": "2024-10-21",
                    "api_key": "k",
                    "dimensions": 6,
                },
            }
        }
    )
    embedder = make_embedder(cfg.embedder)
    assert embedder.dim == 6 and embedder.name == "azure_openai:emb"
    assert embedder.embed(["x y"]).shape == (1, 6)
    (req,) = llm_server.embedding_requests
    assert req.path == "/openai/deployments/emb/embeddings" and req.query["api-version"] == "2024-10-21"


# -- LangChain -------------------------------------------------------------------------------------------------------


class RecordingFakeChat(FakeListChatModel):
    """FakeListChatModel that keeps what it was sent (the fake models do not)."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        self.seen.append(list(input))
        return super().invoke(input, config, **kwargs)


class ToolCallingFake(GenericFakeChatModel):
    """A fake with ``bind_tools``, so LangChain's own ``with_structured_output`` path runs."""

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:
        return self


def tool_reply(args: dict[str, Any], tokens: tuple[int, int] = (12, 6)) -> AIMessage:
    return AIMessage(
        content="",
        tool_calls=[{"name": "Person", "args": args, "id": "call_1", "type": "tool_call"}],
        usage_metadata={"input_tokens": tokens[0], "output_tokens": tokens[1], "total_tokens": sum(tokens)},
    )


def test_langchain_text_path_with_schema_prompt() -> None:
    fake = RecordingFakeChat(responses=[json.dumps(ALICE)])
    model = LangChainChat(fake)
    assert isinstance(model, ChatModel) and model.name.startswith("langchain:RecordingFakeChat")
    person, usage = model.structured(MESSAGES, Person, "person")
    assert person.name == "Alice" and usage.calls == 1
    system = fake.seen[0][0]
    assert isinstance(system, SystemMessage) and "JSON Schema" in str(system.content)


def test_langchain_text_path_repairs_once_then_gives_up() -> None:
    fake = RecordingFakeChat(responses=["not json at all", json.dumps(ALICE)])
    person, usage = LangChainChat(fake).structured(MESSAGES, Person, "person")
    assert person.name == "Alice" and usage.calls == 2
    repair = fake.seen[1]
    assert isinstance(repair[-2], AIMessage) and repair[-2].content == "not json at all"
    assert isinstance(repair[-1], HumanMessage) and "not valid JSON" in str(repair[-1].content)

    with pytest.raises(LlmBadOutput) as info:
        LangChainChat(FakeListChatModel(responses=["{}", "[]"])).structured(MESSAGES, Person, "person")
    assert info.value.usage.calls == 2


def test_langchain_structured_output_path_with_usage() -> None:
    fake = ToolCallingFake(messages=iter([tool_reply({"name": "Alice", "age": "x"}), tool_reply(ALICE, (20, 9))]))
    person, usage = LangChainChat(fake).structured(MESSAGES, Person, "person")
    assert person == Person.model_validate(ALICE)
    assert (usage.calls, usage.prompt_tokens, usage.completion_tokens) == (2, 32, 15)


class Exploding(FakeListChatModel):
    error: Exception = Field(default_factory=lambda: RuntimeError("boom"))

    def invoke(self, input: Any, config: Any = None, **kwargs: Any) -> Any:
        raise self.error


def test_langchain_errors_map_to_the_llm_error_family(delays: list[float]) -> None:
    with pytest.raises(LlmUnavailable, match="TimeoutError"):
        LangChainChat(Exploding(responses=[], error=TimeoutError("read timed out"))).structured(
            MESSAGES, Person, "person"
        )
    with pytest.raises(LlmUnavailable):
        LangChainChat(Exploding(responses=[], error=ConnectionError("refused")), max_retries=2).structured(
            MESSAGES, Person, "person"
        )
    assert len(delays) == 2
    with pytest.raises(LlmError, match="boom"):
        LangChainChat(Exploding(responses=[])).structured(MESSAGES, Person, "person")
    with pytest.raises(LlmRefused):
        refusing = AIMessage(content="", additional_kwargs={"refusal": "no"})
        LangChainChat(GenericFakeChatModel(messages=iter([refusing]))).structured(MESSAGES, Person, "person")


def test_messages_convert_to_langchain_with_image_blocks() -> None:
    converted = to_langchain_messages(
        [
            {"role": "system", "content": "sys"},
            {
                "role": "user",
                "name": "alex",
                "content": [
                    {"type": "text", "text": "look"},
                    {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,AAAA"}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
                ],
            },
            {"role": "assistant", "content": "ok"},
        ]
    )
    system, user, assistant = converted
    assert isinstance(system, SystemMessage) and system.content == "sys"
    assert isinstance(user, HumanMessage) and user.name == "alex"
    assert user.content == [
        {"type": "text", "text": "look"},
        {"type": "image", "source_type": "base64", "data": "AAAA", "mime_type": "image/jpeg"},
        {"type": "image", "source_type": "url", "url": "https://example.com/a.png"},
    ]
    assert isinstance(assistant, AIMessage) and assistant.content == "ok"


def test_langchain_embedder_normalizes_and_probes() -> None:
    embedder = LangChainEmbedder(DeterministicFakeEmbedding(size=16), batch_size=3)
    assert isinstance(embedder, Embedder) and embedder.dim == 16
    vectors = embedder.embed([f"text {i}" for i in range(7)])
    assert vectors.shape == (7, 16) and vectors.dtype == np.float32 and norms(vectors) == [1.0] * 7
    again = embedder.embed(["text 0"])
    np.testing.assert_allclose(again[0], vectors[0], rtol=1e-6)  # deterministic per text
    assert embedder.name == "langchain:DeterministicFakeEmbedding"


# -- configuration ---------------------------------------------------------------------------------------------------


def test_config_builds_each_provider(llm_server: LlmServer) -> None:
    cfg = MemoryConfig.parse(
        {
            "llm": {
                "provider": "openai",
                "config": {
                    "model": "gpt-4.1-mini",
                    "api_key": "sk-secret",
                    "base_url": llm_server.base_url,
                    "temperature": 0,
                    "timeout": 30,
                    "max_retries": 3,
                    "vision": False,
                },
            },
            "embedder": {
                "provider": "openai",
                "config": {"model": "text-embedding-3-small", "api_key": "k", "base_url": llm_server.base_url},
            },
        }
    )
    assert "sk-secret" not in repr(cfg)  # keys are SecretStr
    model = make_chat_model(cfg.llm)
    assert isinstance(model, OpenAIChat) and model.name == "openai:gpt-4.1-mini" and model.policy.max_retries == 3
    llm_server.script_chat(ALICE)
    model.structured(MESSAGES, Person, "person")
    assert llm_server.chat_requests[0].headers["authorization"] == "Bearer sk-secret"
    embedder = make_embedder(cfg.embedder)
    assert embedder.dim == 8  # a custom base_url: the size is probed, not assumed
    assert make_chat_model(MemoryConfig.parse({}).llm) is None

    lc = MemoryConfig.parse(
        {
            "llm": {"provider": "langchain", "config": {"model": FakeListChatModel(responses=["{}"])}},
            "embedder": {"provider": "langchain", "config": {"model": DeterministicFakeEmbedding(size=5)}},
        }
    )
    assert isinstance(make_chat_model(lc.llm), LangChainChat)
    assert make_embedder(lc.embedder).dim == 5


def test_default_config_is_unchanged() -> None:
    cfg = MemoryConfig.parse({"llm": {}, "embedder": {"config": {"batch_size": 8}}})
    assert cfg.llm.provider == "rules" and cfg.embedder.provider == "local"
    assert cfg.embedder.config.batch_size == 8


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"llm": {"provider": "openai", "config": {"modle": "gpt-4"}}}, "llm.config.modle"),
        ({"llm": {"provider": "openai", "config": {"timeout": 0}}}, "llm.config.timeout"),
        ({"llm": {"provider": "openai", "config": {"json_mode": "xml"}}}, "llm.config.json_mode"),
        ({"llm": {"provider": "gemini"}}, "llm.provider"),
        ({"llm": {"provider": "azure_openai", "config": {"api_version": "x"}}}, "llm.config.azure_deployment"),
        ({"llm": {"provider": "azure_openai", "config": {"model": "m", "endpoint": "x"}}}, "llm.config.endpoint"),
        ({"llm": {"provider": "langchain", "config": {"model": "gpt-4o"}}}, "llm.config.model"),
        ({"llm": {"provider": "langchain"}}, "llm.config"),
        ({"embedder": {"provider": "openai", "config": {"dimension": 256}}}, "embedder.config.dimension"),
        ({"embedder": {"provider": "openai", "config": {"dimensions": 0}}}, "embedder.config.dimensions"),
        ({"embedder": {"provider": "azure_openai", "config": {"api_key": "k"}}}, "embedder.config.azure_deployment"),
        ({"embedder": {"provider": "langchain", "config": {"model": object()}}}, "embedder.config.model"),
        ({"embedder": {"provider": "cohere"}}, "embedder.provider"),
    ],
)
def test_bad_provider_config_names_the_key(data: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        MemoryConfig.parse(data)
    assert info.value.field == field


def test_memory_runs_on_a_remote_embedder(llm_server: LlmServer, tmp_path: Path) -> None:
    config = {
        "graph_store": {"config": {"path": str(tmp_path / "g.db")}},
        "embedder": {"provider": "openai", "config": {"model": "e", "base_url": llm_server.base_url, "dimensions": 16}},
    }
    with Memory.from_config(config) as m:
        m.add("Alice met Bob at GraphConf in San Francisco.", user_id="u")
        hits = m.search("Who did Alice meet?", user_id="u")
    assert hits["results"] and "Alice" in hits["results"][0]["memory"]
    assert all(r.body["dimensions"] == 16 for r in llm_server.embedding_requests)
