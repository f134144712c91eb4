"""LangChain adapters (issue 14, point 3) against the installed langchain-core."""

from __future__ import annotations

import asyncio

import pytest
from langchain_core.documents import Document
from langchain_core.runnables import RunnableLambda
from pydantic import ValidationError as PydanticValidationError

from graphmem import Memory
from graphmem.integrations.langchain import GraphmemRetriever, memory_tools
from tests.conftest import HttpBackend


def seed(memory: Memory) -> str:
    memory.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="alex", metadata={"source": "chat"})
    memory.add("Alex loves basketball", user_id="alex", infer=False)
    memory.add("Bob met Carol in Oslo.", user_id="someone-else")
    return str(memory.search("Who did Alice meet?", user_id="alex", limit=1)["results"][0]["id"])


def test_the_retriever_returns_documents_with_the_memory_and_its_relations(memory: Memory) -> None:
    best = seed(memory)
    retriever = GraphmemRetriever(memory=memory, user_id="alex", limit=3)
    docs = retriever.invoke("Who did Alice meet?")
    assert all(isinstance(d, Document) for d in docs) and 1 <= len(docs) <= 3
    top = docs[0]
    assert top.id == best and top.page_content == "Alice met Bob at GraphConf 2025 in San Francisco"
    assert top.metadata["user_id"] == "alex" and top.metadata["metadata"] == {"source": "chat"}
    assert "vector" in top.metadata["lanes"] and 0 < top.metadata["score"] <= 1
    assert ("Alice", "MET", "Bob") in {
        (r["source"], r["relationship"], r["destination"]) for r in top.metadata["relations"]
    }
    assert all(best in r["provenance"]["memory_ids"] for r in top.metadata["relations"])
    assert all("Oslo" not in d.page_content for d in docs)  # another user's memory
    assert [d.id for d in asyncio.run(retriever.ainvoke("Who did Alice meet?"))] == [d.id for d in docs]
    only_chat = GraphmemRetriever(memory=memory, user_id="alex", filters={"source": "chat"}).invoke("basketball")
    assert [d.id for d in only_chat] == [best]


def test_the_retriever_composes_in_a_chain(memory: Memory) -> None:
    seed(memory)
    chain = GraphmemRetriever(memory=memory, user_id="alex", limit=2) | RunnableLambda(
        lambda docs: " / ".join(d.page_content for d in docs)
    )
    assert chain.invoke("Who did Alice meet?").startswith("Alice met Bob")


def test_the_tools_have_schemas_and_act_in_their_bound_scope(memory: Memory) -> None:
    tools = {t.name: t for t in memory_tools(memory, user_id="alex")}
    assert set(tools) == {"add_memory", "search_memory", "find_paths"}
    schema = tools["find_paths"].tool_call_schema.model_json_schema()
    assert schema["required"] == ["source", "target"] and schema["properties"]["max_hops"]["default"] == 3
    assert "user_id" not in tools["add_memory"].tool_call_schema.model_json_schema()["properties"]

    said = tools["add_memory"].invoke({"text": "Jane Doe works at Acme Corp. Acme Corp signed Contract 42."})
    assert "ADD Jane Doe works at Acme Corp" in said and "Jane Doe -WORKS_AT-> Acme Corp" in said
    assert memory.get_all(user_id="alex")["results"] and memory.get_all(user_id="mallory")["results"] == []
    found = tools["search_memory"].invoke({"query": "Where does Jane work?"})
    assert found.startswith("Memories (best first):") and "Jane Doe works at Acme Corp" in found
    linked = tools["find_paths"].invoke({"source": "Contract 42", "target": "Jane Doe"})
    assert linked.startswith("Contract 42 <-SIGNED- Acme Corp <-WORKS_AT- Jane Doe (from: 'Jane Doe works at")
    assert tools["find_paths"].invoke({"source": "Jane Doe", "target": "Mallory"}) == (
        "entity 'Mallory' not found: nothing is remembered under that name"
    )
    memory.add_triples([("Mallory", "KNOWS", "Eve")], user_id="alex")
    assert tools["find_paths"].invoke({"source": "Jane Doe", "target": "Mallory"}).startswith("no link between")
    with pytest.raises(PydanticValidationError):
        tools["search_memory"].invoke({"limit": 3})  # no query


def test_the_retriever_works_over_the_service(embedded_http: HttpBackend) -> None:
    with embedded_http.client() as client:
        client.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="alex")
        docs = GraphmemRetriever(memory=client, user_id="alex").invoke("Who did Alice meet?")
        assert docs[0].page_content == "Alice met Bob at GraphConf 2025 in San Francisco"
        assert docs[0].metadata["relations"]
        tool = {t.name: t for t in memory_tools(client, user_id="alex")}["search_memory"]
        assert "Alice -MET-> Bob" in tool.invoke({"query": "Who did Alice meet?"})
