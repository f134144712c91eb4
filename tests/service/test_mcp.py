"""The MCP server through the SDK's own client: `graphmem mcp` over stdio and `/mcp` of `graphmem serve` over
streamable HTTP, both real processes. Every tool is listed and called, errors come back as tool errors naming the
field or id, and over HTTP the API key decides who may call and whose data a call reaches."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError
from mcp_types import CallToolResult

from graphmem import Memory
from tests.service.conftest import Served, free_port, graphmem_command, quiet_env, start_server

TOOLS = {"add_memory", "search_memory", "get_context", "get_memories", "get_memory", "update_memory", "delete_memory",
         "delete_all_memories", "add_triples", "neighbors", "paths", "history"}  # fmt: skip
LIST_INIT = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
CALL_TIMEOUT_S = 120  # the first call of a fresh server may load the embedding model
MCP_ACCEPT = {"Accept": "application/json, text/event-stream"}


@asynccontextmanager
async def over_stdio(store: Path, log: Path, *extra: str) -> AsyncIterator[ClientSession]:
    """`graphmem mcp --store STORE EXTRA` as the host spawns it, with a session on its stdin/stdout."""
    command, *args = graphmem_command("mcp", "--store", str(store), *extra)
    params = StdioServerParameters(command=command, args=args, env=quiet_env())
    with open(log, "w", encoding="utf-8") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session


@asynccontextmanager
async def over_http(host: str, key: str | None) -> AsyncIterator[ClientSession]:
    """A session with `/mcp` of a running server, sending KEY as `Authorization: Token KEY`."""
    headers = {"Authorization": f"Token {key}"} if key else {}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=CALL_TIMEOUT_S) as http,
        streamable_http_client(f"{host}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        yield session


def answer(result: CallToolResult) -> Any:
    """A successful call's structured answer (a list comes wrapped as {"result": [...]})."""
    assert not result.is_error, result.content
    assert result.structured_content is not None
    return result.structured_content


def refusal(result: CallToolResult) -> str:
    """A tool error's text, which must say what was wrong and never carry a traceback."""
    assert result.is_error, result.structured_content
    text = " ".join(getattr(part, "text", "") for part in result.content)
    assert "Traceback" not in text
    return text


def leaves(exc: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups."""
    inner: list[BaseException] = list(getattr(exc, "exceptions", []))  # a group (Python 3.11's, or anyio's backport)
    return [leaf for one in inner for leaf in leaves(one)] if inner else [exc]


async def check_listing(session: ClientSession) -> None:
    tools = (await session.list_tools()).tools
    assert {t.name for t in tools} == TOOLS
    for tool in tools:
        assert tool.description and "Returns" in tool.description, tool.name
        assert tool.input_schema["type"] == "object" and tool.input_schema["properties"], tool.name
    scoped = {t.name: t.input_schema["properties"] for t in tools}
    assert all({"user_id", "agent_id", "run_id"} <= set(props) for props in scoped.values())
    assert "tenant" not in {name for props in scoped.values() for name in props}  # the key's, never an argument


async def call_every_tool(session: ClientSession, user: str) -> None:
    """Each of the twelve tools once (and the memory-id tools again after a delete), checking what comes back."""
    call = session.call_tool
    added = answer(await call("add_memory", {"messages": "I love hiking in the Alps", "user_id": user}))
    [event] = added["results"]
    assert event["event"] == "ADD" and "hiking in the Alps" in event["memory"]
    memory_id = event["id"]

    found = answer(await call("search_memory", {"query": "hiking", "user_id": user}))
    assert [hit["id"] for hit in found["results"]] == [memory_id]
    block = answer(await call("get_context", {"query": "hiking", "user_id": user, "max_tokens": 200}))
    assert block["context"].startswith("Memories (best first):\n[1] ") and "hiking in the Alps" in block["context"]
    assert [m["id"] for m in block["memories"]] == [memory_id] and block["tokens"] <= 200
    listed = answer(await call("get_memories", {"user_id": user}))
    assert [m["id"] for m in listed["results"]] == [memory_id]
    one = answer(await call("get_memory", {"memory_id": memory_id, "user_id": user}))
    assert one["memory"] == event["memory"]

    updated = answer(await call("update_memory", {"memory_id": memory_id, "data": "I love climbing", "user_id": user}))
    assert updated["id"] == memory_id and "climbing" in updated["results"][0]["memory"]
    events = answer(await call("history", {"memory_id": memory_id, "user_id": user}))["result"]
    assert [e["event"] for e in events] == ["ADD", "UPDATE"]

    triples = [["Alice", "WORKS_AT", "Acme"], ["Acme", "LOCATED_IN", "Paris"]]
    loaded = answer(await call("add_triples", {"triples": triples, "user_id": user}))
    assert len(loaded["relations"]["added"]) == 2
    near = answer(await call("neighbors", {"entity": "Alice", "user_id": user}))
    assert [(r["source"], r["relationship"], r["destination"]) for r in near["relations"]] == [
        ("Alice", "WORKS_AT", "Acme")
    ]
    route = answer(await call("paths", {"source": "Alice", "target": "Paris", "user_id": user}))["result"]
    assert [(hop["source"], hop["destination"]) for hop in route[0]["hops"]] == [("Alice", "Acme"), ("Acme", "Paris")]

    assert answer(await call("delete_memory", {"memory_id": memory_id, "user_id": user}))["id"] == memory_id
    assert "not found" in refusal(await call("get_memory", {"memory_id": memory_id}))
    answer(await call("add_memory", {"messages": "Bob plays chess", "user_id": user, "infer": False}))
    assert answer(await call("delete_all_memories", {"user_id": user}))["deleted"] == 1
    assert answer(await call("get_memories", {"user_id": user}))["results"] == []


async def check_errors(session: ClientSession, user: str) -> None:
    """Bad arguments and unknown ids as tool errors whose text names the field or the id."""
    call = session.call_tool
    assert "limit" in refusal(await call("search_memory", {"query": "x", "user_id": user, "limit": 0}))
    assert "max_tokens" in refusal(await call("get_context", {"query": "x", "user_id": user, "max_tokens": 0}))
    assert "limit" in refusal(await call("get_memories", {"user_id": user, "limit": "many"}))
    assert "user_id" in refusal(await call("get_memories", {}))  # no scope at all
    assert "userid" in refusal(await call("delete_memory", {"memory_id": "m", "userid": user}))  # misspelt scope
    for tool, extra in (("get_memory", {}), ("update_memory", {"data": "new text"}), ("delete_memory", {}),
                        ("history", {})):  # fmt: skip
        text = refusal(await call(tool, {"memory_id": "no-such-memory", **extra}))
        assert "'no-such-memory' not found" in text, tool
    assert "'Nobody' not found" in refusal(await call("neighbors", {"entity": "Nobody", "user_id": user}))


# -- stdio -------------------------------------------------------------------------------------------------------------
def test_stdio_lists_and_calls_every_tool_in_the_librarys_tenant(tmp_path: Path) -> None:
    store = tmp_path / "graphmem.db"

    async def session() -> None:
        async with over_stdio(store, tmp_path / "mcp.log") as mcp:
            await check_listing(mcp)
            await call_every_tool(mcp, "alex")
            await check_errors(mcp, "alex")
            answer(await mcp.call_tool("add_memory", {"messages": "Dana reads poetry", "user_id": "dana",
                                                       "infer": False}))  # fmt: skip

    asyncio.run(session())
    with Memory({"graph_store": {"provider": "embedded", "config": {"path": str(store)}}}) as memory:
        assert [m["memory"] for m in memory.get_all(user_id="dana")["results"]] == ["Dana reads poetry"]


def test_stdio_tenant_option_acts_in_that_tenants_data(tmp_path: Path) -> None:
    store = tmp_path / "graphmem.db"
    with Memory({"graph_store": {"provider": "embedded", "config": {"path": str(store)}}}) as memory:
        memory.for_tenant("acme").add("Acme's note", user_id="u", infer=False)
        memory.add("the library's note", user_id="u", infer=False)

    async def session() -> list[str]:
        async with over_stdio(store, tmp_path / "mcp.log", "--tenant", "acme") as mcp:
            return [m["memory"] for m in answer(await mcp.call_tool("get_memories", {"user_id": "u"}))["results"]]

    assert asyncio.run(session()) == ["Acme's note"]


def test_the_readme_host_configuration_starts_the_server(tmp_path: Path) -> None:
    """The README's `mcpServers` snippet, as a host reads it: its stdio entry runs (on a temporary store)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    [snippet] = [block for block in re.findall(r"```json\n(.*?)```", readme, re.S) if "mcpServers" in block]
    servers = json.loads(snippet)["mcpServers"]
    assert servers["graphmem-server"]["url"].endswith("/mcp")
    assert servers["graphmem-server"]["headers"]["Authorization"].startswith("Token ")
    stdio = servers["graphmem"]
    args = [str(tmp_path / "graphmem.db") if arg.endswith(".db") else arg for arg in stdio["args"]]
    command = str(Path(sys.executable).parent / stdio["command"])  # the console script beside this interpreter
    params = StdioServerParameters(command=command, args=args, env=quiet_env())

    async def session() -> set[str]:
        with open(tmp_path / "mcp.log", "w", encoding="utf-8") as errlog:
            async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as mcp:
                await mcp.initialize()
                return {tool.name for tool in (await mcp.list_tools()).tools}

    assert asyncio.run(session()) == TOOLS


def test_mcp_command_without_the_extra_says_how_to_install_it(tmp_path: Path) -> None:
    blocked = "import sys; sys.modules['mcp'] = None; from graphmem.cli import main; main()"  # as if not installed
    done = subprocess.run([sys.executable, "-c", blocked, "mcp", "--store", str(tmp_path / "x.db")],
                          capture_output=True, text=True, env=quiet_env(), timeout=300)  # fmt: skip
    assert done.returncode == 1 and "pip install 'graphmem[mcp]'" in done.stderr, done.stderr


# -- streamable HTTP in graphmem serve --------------------------------------------------------------------------------
def test_http_lists_and_calls_every_tool(served: Served, unique: Callable[[str], str]) -> None:
    async def session() -> None:
        async with over_http(served.host, served.keys["acme"]) as mcp:
            await check_listing(mcp)
            await call_every_tool(mcp, unique("alex"))
            await check_errors(mcp, unique("alex"))

    asyncio.run(session())


def test_http_refuses_a_missing_malformed_or_revoked_key(served: Served) -> None:
    url = f"{served.host}/mcp"
    refusals = [(None, "missing API key"), ("Basic abc", "malformed"), ("Token gm_0_x", "invalid API key"),
                (f"Token {served.keys['revoked']}", "revoked")]  # fmt: skip
    for header, reason in refusals:
        sent = {**MCP_ACCEPT, **({"Authorization": header} if header else {})}
        refused = httpx.post(url, json=LIST_INIT, headers=sent)
        assert refused.status_code == 401 and reason in refused.json()["detail"], (header, refused.text)
    accepted = httpx.post(url, json=LIST_INIT, headers={**MCP_ACCEPT, "Authorization": f"Bearer {served.keys['acme']}"})
    assert accepted.status_code == 200 and {t["name"] for t in accepted.json()["result"]["tools"]} == TOOLS

    async def session() -> None:
        async with over_http(served.host, served.keys["revoked"]):
            pass

    try:
        asyncio.run(session())
    except Exception as exc:  # the SDK's client surfaces the 401 as an MCPError, inside its task groups
        assert any(isinstance(leaf, MCPError) for leaf in leaves(exc)), exc
    else:
        pytest.fail("the SDK's client was served with a revoked key")


def test_http_tools_are_fenced_by_the_keys_tenant(served: Served, unique: Callable[[str], str]) -> None:
    user = unique("shared-user-id")

    async def session() -> None:
        async with over_http(served.host, served.keys["acme"]) as acme:
            added = answer(await acme.call_tool("add_memory", {"messages": "Acme's secret plan", "user_id": user,
                                                               "infer": False}))  # fmt: skip
            memory_id = added["results"][0]["id"]
        async with over_http(served.host, served.keys["globex"]) as globex:
            assert answer(await globex.call_tool("get_memories", {"user_id": user}))["results"] == []
            found = answer(await globex.call_tool("search_memory", {"query": "secret plan", "user_id": user}))
            assert found["results"] == []
            for tool in ("get_memory", "delete_memory", "history"):
                assert "not found" in refusal(await globex.call_tool(tool, {"memory_id": memory_id})), tool
            assert "not found" in refusal(await globex.call_tool("update_memory", {"memory_id": memory_id,
                                                                                  "data": "stolen"}))  # fmt: skip
            assert answer(await globex.call_tool("delete_all_memories", {"user_id": user}))["deleted"] == 0
        async with over_http(served.host, served.keys["acme"]) as acme:
            still = answer(await acme.call_tool("get_memory", {"memory_id": memory_id}))
            assert still["memory"] == "Acme's secret plan"

    asyncio.run(session())


def test_http_insecure_local_serves_the_librarys_tenant_to_loopback_names_only(tmp_path: Path) -> None:
    store, port = tmp_path / "local.db", free_port()
    server = start_server(["--store", str(store), "--insecure-local"], tmp_path / "server.log", port)
    try:

        async def session() -> None:
            async with over_http(f"http://127.0.0.1:{port}", None) as mcp:
                answer(await mcp.call_tool("add_memory", {"messages": "Dana reads poetry", "user_id": "dana",
                                                          "infer": False}))  # fmt: skip

        asyncio.run(session())
        # A page that rebinds its own name to 127.0.0.1 sends that name as Host: refused without keys.
        rebound = httpx.post(f"http://127.0.0.1:{port}/mcp", json=LIST_INIT, headers={**MCP_ACCEPT,
                             "Host": "attacker.example"})  # fmt: skip
        assert rebound.status_code in (400, 421), rebound.text
    finally:
        server.terminate()
        server.wait(timeout=20)
    with Memory({"graph_store": {"provider": "embedded", "config": {"path": str(store)}}}) as memory:
        assert [m["memory"] for m in memory.get_all(user_id="dana")["results"]] == ["Dana reads poetry"]
