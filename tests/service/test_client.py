"""MemoryClient without a server: Memory's signatures, and retries on 429/5xx only (an httpx mock transport)."""

from __future__ import annotations

import inspect

import httpx
import pytest

import graphmem.client
from graphmem import AsyncMemoryClient, Memory, MemoryClient, StoreUnavailable, ValidationError

METHODS = ["add", "search", "get", "get_all", "update", "delete", "delete_all", "history", "reset", "retry_failed",
           "add_triples", "neighbors", "paths", "to_networkx", "export"]  # fmt: skip


@pytest.mark.parametrize("name", METHODS)
def test_the_clients_take_memorys_parameters(name: str) -> None:
    wanted = [p.name for p in inspect.signature(getattr(Memory, name)).parameters.values() if p.name != "self"]
    for client in (MemoryClient, AsyncMemoryClient):
        assert [p.name for p in inspect.signature(getattr(client, name)).parameters.values()] == wanted


def scripted(statuses: list[int], seen: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        status = statuses[min(len(seen), len(statuses)) - 1]
        if status == 422:
            return httpx.Response(422, json={"detail": "limit: expected a positive integer, got 0", "field": "limit"})
        return httpx.Response(status, json={"results": [], "relations": []} if status == 200 else {"detail": "busy"})

    return httpx.MockTransport(answer)


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(graphmem.client, "BACKOFF", 0.0)


def test_429_and_5xx_are_retried_then_answered() -> None:
    seen: list[httpx.Request] = []
    client = MemoryClient(api_key="gm_k", host="http://h", transport=scripted([503, 429, 200], seen))
    assert client.search("q", user_id="a") == {"results": [], "relations": []}
    assert len(seen) == 3 and seen[0].headers["Authorization"] == "Token gm_k"


def test_a_4xx_is_not_retried_and_comes_back_as_the_librarys_error() -> None:
    seen: list[httpx.Request] = []
    client = MemoryClient(api_key="gm_k", host="http://h", transport=scripted([422, 200], seen))
    with pytest.raises(ValidationError) as bad:
        client.search("q", user_id="a", limit=0)
    assert bad.value.field == "limit" and str(bad.value) == "limit: expected a positive integer, got 0"
    assert len(seen) == 1


def test_retries_end_in_the_servers_error() -> None:
    seen: list[httpx.Request] = []
    client = MemoryClient(host="http://h", retries=2, transport=scripted([503], seen))
    with pytest.raises(StoreUnavailable):
        client.get_all(user_id="a")
    assert len(seen) == 3 and "Authorization" not in seen[0].headers
