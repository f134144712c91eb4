"""Memory's methods through MemoryClient / AsyncMemoryClient and a real `graphmem serve`: the same names, the same
parameters, the same answers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from graphmem import AsyncMemoryClient, MemoryClient, NotFoundError, ValidationError
from tests.service.conftest import Served


@pytest.fixture
def client(served: Served) -> MemoryClient:
    return MemoryClient(api_key=served.keys["acme"], host=served.host)


def test_crud_and_search_round_trip(client: MemoryClient, unique: Callable[[str], str]) -> None:
    alice = unique("alice")
    added = client.add("I love hiking in the Alps", user_id=alice, metadata={"topic": "sport"}, infer=False)
    assert [e["event"] for e in added["results"]] == ["ADD"]
    memory_id = added["results"][0]["id"]

    got = client.get(memory_id)
    assert got is not None and got["memory"] == "I love hiking in the Alps" and got["user_id"] == alice
    assert got["metadata"] == {"topic": "sport"}
    assert [m["id"] for m in client.get_all(user_id=alice)["results"]] == [memory_id]
    assert client.get_all(user_id=alice, filters={"topic": "food"})["results"] == []

    found = client.search("hiking in the mountains", user_id=alice, limit=5)
    assert set(found) >= {"results", "relations"}
    assert found["results"][0]["id"] == memory_id and found["results"][0]["lanes"]
    platform = client.search("hiking", filters={"AND": [{"user_id": alice}, {"topic": "sport"}]})
    assert [r["id"] for r in platform["results"]] == [memory_id]
    assert client.search("hiking", filters={"AND": [{"user_id": alice}, {"topic": "food"}]})["results"] == []

    updated = client.update(memory_id, "I love climbing in the Alps")
    assert updated["id"] == memory_id
    assert client.get(memory_id)["memory"] == "I love climbing in the Alps"  # type: ignore[index]
    assert [e["event"] for e in client.history(memory_id)] == ["ADD", "UPDATE"]

    assert client.delete(memory_id)["id"] == memory_id
    assert client.get(memory_id) is None
    with pytest.raises(NotFoundError):
        client.delete(memory_id)
    client.add("Alice drinks green tea", user_id=alice, infer=False)
    assert client.delete_all(user_id=alice)["deleted"] == 1
    assert client.get_all(user_id=alice)["results"] == []


def test_graph_export_import_and_retry(client: MemoryClient, unique: Callable[[str], str]) -> None:
    user, copy = unique("graph"), unique("copy")
    result = client.add_triples([("Alice", "WORKS_AT", "Acme"), ["Acme", "LOCATED_IN", "Berlin"]], user_id=user)
    assert len(result["relations"]["added"]) == 2

    near = client.neighbors("Alice", user_id=user, hops=2)
    assert {r["relationship"] for r in near["relations"]} == {"WORKS_AT", "LOCATED_IN"}
    found = client.paths("Alice", "Berlin", user_id=user)
    assert found and found[0]["length"] == 2

    records = client.export(user_id=user)
    assert len(records) == 1 and "triples" in records[0]
    moved = [{k: v for k, v in r.items() if k not in ("episode_id", "user_id")} for r in records]
    summary = client.import_(moved, user_id=copy)
    assert summary["failed"] == 0 and summary["episodes"] == 1
    assert client.paths("Alice", "Berlin", user_id=copy)

    assert client.retry_failed(user_id=user)["retried"] == 0


def test_names_with_slashes_and_the_client_errors(client: MemoryClient, unique: Callable[[str], str]) -> None:
    user = unique("slash")
    client.add_triples([("AC/DC", "PLAYED_IN", "Sydney")], user_id=user)
    assert [r["destination"] for r in client.neighbors("AC/DC", user_id=user)["relations"]] == ["Sydney"]
    with pytest.raises(ValidationError) as bad:
        client.search("anything")  # no scope: the library's own error, field and all
    assert bad.value.field == "user_id"


def test_the_async_client_does_the_same(served: Served, unique: Callable[[str], str]) -> None:
    bob = unique("bob")

    async def scenario() -> None:
        async with AsyncMemoryClient(api_key=served.keys["acme"], host=served.host) as client:
            added = await asyncio.gather(
                *(client.add(f"Bob collects {thing}", user_id=bob, infer=False) for thing in ("stamps", "coins"))
            )
            ids = {a["results"][0]["id"] for a in added}
            assert {m["id"] for m in (await client.get_all(user_id=bob))["results"]} == ids
            found = await client.search("coins", user_id=bob, limit=1)
            assert found["results"][0]["memory"] == "Bob collects coins"
            memory_id = found["results"][0]["id"]
            await client.update(memory_id, "Bob collects old coins")
            assert (await client.get(memory_id))["memory"] == "Bob collects old coins"  # type: ignore[index]
            assert len(await client.history(memory_id)) == 2
            await client.delete(memory_id)
            assert await client.get(memory_id) is None
            with pytest.raises(ValidationError) as bad:
                await client.get_all(user_id=bob, limit=0)
            assert bad.value.field == "limit"

    asyncio.run(scenario())
