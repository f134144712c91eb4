"""AutoGen adapter (issue 14, point 5) against the installed autogen-core."""

from __future__ import annotations

import asyncio

import pytest
from autogen_core.memory import Memory as AutogenMemory
from autogen_core.memory import MemoryContent, MemoryMimeType
from autogen_core.model_context import UnboundedChatCompletionContext
from autogen_core.models import AssistantMessage, SystemMessage, UserMessage

from graphmem import AsyncMemory, AsyncMemoryClient, Memory, ValidationError
from graphmem.integrations.autogen import GraphmemMemory
from tests.conftest import HttpBackend


def test_add_query_update_context_clear_on_a_memory(memory: Memory) -> None:
    async def main() -> None:
        mem = GraphmemMemory(memory, user_id="alex", limit=3)
        assert isinstance(mem, AutogenMemory)
        await mem.add(MemoryContent(content="Alice met Bob at GraphConf 2025 in San Francisco.",
                                    mime_type=MemoryMimeType.TEXT, metadata={"source": "chat"}))  # fmt: skip
        await mem.add(MemoryContent(content={"favourite_colour": "teal"}, mime_type=MemoryMimeType.JSON))
        assert [r["memory"] for r in memory.get_all(user_id="alex")["results"]] == [
            "Alice met Bob at GraphConf 2025 in San Francisco",
            '{"favourite_colour": "teal"}',
        ]
        found = await mem.query("Who did Alice meet?")
        top = found.results[0]
        assert (
            top.content == "Alice met Bob at GraphConf 2025 in San Francisco" and top.mime_type == MemoryMimeType.TEXT
        )
        assert top.metadata is not None and top.metadata["metadata"] == {"source": "chat"}
        assert ("Alice", "MET", "Bob") in {(r["source"], r["relationship"], r["destination"])
                                           for r in top.metadata["relations"]}  # fmt: skip

        context = UnboundedChatCompletionContext()
        await context.add_message(UserMessage(content="Hi there", source="user"))
        await context.add_message(AssistantMessage(content="Hello!", source="assistant"))
        await context.add_message(UserMessage(content="Who did Alice meet?", source="user"))
        updated = await mem.update_context(context)
        messages = await context.get_messages()
        assert isinstance(messages[-1], SystemMessage)
        assert messages[-1].content.startswith("Relevant memories of earlier conversations:\nMemories (best first):")
        assert "- Alice -MET-> Bob [1]" in messages[-1].content
        assert updated.memories.results[0].content == top.content

        await mem.clear()
        assert memory.get_all(user_id="alex")["results"] == []
        assert (await mem.query("Alice")).results == []
        await mem.close()

    asyncio.run(main())


def test_nothing_to_ask_leaves_the_context_alone_and_bad_content_is_refused(memory: Memory) -> None:
    async def main() -> None:
        mem = GraphmemMemory(memory, agent_id="helper")
        context = UnboundedChatCompletionContext()
        await context.add_message(AssistantMessage(content="How can I help?", source="assistant"))
        assert (await mem.update_context(context)).memories.results == []
        assert len(await context.get_messages()) == 1
        with pytest.raises(ValidationError):
            await mem.add(MemoryContent(content=b"\x89PNG", mime_type=MemoryMimeType.BINARY))
        assert memory.get_all(agent_id="helper")["results"] == []

    asyncio.run(main())
    with pytest.raises(ValidationError):
        GraphmemMemory(memory)  # no scope


def test_async_memory_and_the_async_client_are_awaited(memory: Memory, embedded_http: HttpBackend) -> None:
    async def exercise(backend: object) -> list[str]:
        mem = GraphmemMemory(backend, run_id="r1")
        await mem.add(MemoryContent(content="Carol sails on Lake Geneva", mime_type=MemoryMimeType.MARKDOWN))
        return [str(r.content) for r in (await mem.query("Who sails?")).results]

    wrapped = AsyncMemory(store=memory.store, embedder=memory.embedder)
    assert asyncio.run(exercise(wrapped)) == ["Carol sails on Lake Geneva"]
    key = embedded_http.keys.create("autogen-adapter")[1]

    async def over_http() -> list[str]:
        async with AsyncMemoryClient(api_key=key, host=embedded_http.running.host) as remote:
            return await exercise(remote)

    assert asyncio.run(over_http()) == ["Carol sails on Lake Geneva"]
