"""Contract: the tenant fence (issue 12, point 2). Two tenants write the same things under the same user, agent and
run ids, and neither ever reads, changes or deletes the other's records, whatever ids, filters or recipe a call
names; the library's own tenant ('') is a third, untouched by both. Backend-neutral: only ``Memory`` calls (and
``store.set_episode_status``, to make an episode failed for ``retry_failed``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from graphmem import Memory, NotFoundError, ValidationError

pytestmark = pytest.mark.in_process("makes tenants with Memory.for_tenant (over HTTP: tests/service)")

SCOPE: dict[str, Any] = {"user_id": "ann", "agent_id": "bot", "run_id": "r1"}
STORY = "Alice met Bob at GraphConf 2025 in San Francisco."
NOTE = "The secret recipe uses saffron"
FRIEND = {"acme": "Carol", "globex": "Dave", "": "Erin"}  # each tenant's own fact: Alice KNOWS <friend>
SHARED_NAMES = {"Alice", "Bob", "GraphConf 2025", "San Francisco"}


@dataclass
class Tenant:
    name: str
    memory: Memory
    memory_ids: set[str] = field(default_factory=set)
    episode_ids: set[str] = field(default_factory=set)
    story_episode: str = ""

    @property
    def friend(self) -> str:
        return FRIEND[self.name]

    def others(self, world: dict[str, Tenant]) -> list[Tenant]:
        return [t for t in world.values() if t.name != self.name]


@pytest.fixture
def world(memory: Memory) -> dict[str, Tenant]:
    """acme, globex and the library's own tenant, each having written the same story, note and a triple."""
    out: dict[str, Tenant] = {}
    for name in ("acme", "globex", ""):
        tenant = Tenant(name, memory.for_tenant(name) if name else memory)
        for result in (
            tenant.memory.add(STORY, **SCOPE),
            tenant.memory.add(NOTE, **SCOPE, infer=False, metadata={"kind": "secret", "owner": name or "library"}),
            tenant.memory.add_triples([("Alice", "KNOWS", tenant.friend)], **SCOPE),
        ):
            assert not result.get("error")
            tenant.episode_ids.add(result["episode_id"])
            tenant.memory_ids.update(r["id"] for r in result["results"])
            assert all(r["event"] == "ADD" for r in result["results"]), (name, result["results"])
        tenant.story_episode = min(tenant.episode_ids, key=lambda e: tenant.memory.store.get_episode(e).created_at)  # type: ignore[union-attr]
        out[name] = tenant
    return out


def _ids(answer: dict[str, Any]) -> set[str]:
    return {r["id"] for r in answer["results"]}


def test_the_same_writes_in_two_tenants_make_separate_records(world: dict[str, Tenant]) -> None:
    acme, globex, library = world["acme"], world["globex"], world[""]
    assert acme.memory_ids and globex.memory_ids and library.memory_ids
    assert acme.memory_ids.isdisjoint(globex.memory_ids) and acme.memory_ids.isdisjoint(library.memory_ids)
    assert globex.memory_ids.isdisjoint(library.memory_ids)
    nodes: dict[str, set[str]] = {}
    for tenant in world.values():
        graph = tenant.memory.to_networkx(**SCOPE)
        names = [graph.nodes[n]["name"] for n in graph.nodes]
        assert sorted(names) == sorted(SHARED_NAMES | {tenant.friend}), tenant.name  # one Alice per tenant
        nodes[tenant.name] = set(graph.nodes)
    assert nodes["acme"].isdisjoint(nodes["globex"]) and nodes["acme"].isdisjoint(nodes[""])
    assert nodes["globex"].isdisjoint(nodes[""])


def test_get_all_sees_only_its_tenant_whatever_the_filter(world: dict[str, Tenant]) -> None:
    for tenant in world.values():
        m = tenant.memory
        assert _ids(m.get_all(**SCOPE)) == tenant.memory_ids, tenant.name
        assert _ids(m.get_all(user_id="ann")) == tenant.memory_ids
        assert _ids(m.get_all(agent_id="bot", filters={"user_id": "ann"})) == tenant.memory_ids
        assert _ids(m.get_all(run_id="r1", filters={"OR": [{"user_id": "ann"}, {"user_id": {"ne": "ann"}}]})) == (
            tenant.memory_ids
        )
        secret = m.get_all(user_id="ann", filters={"AND": [{"user_id": "ann"}, {"kind": "secret"}]})["results"]
        assert [r["metadata"]["owner"] for r in secret] == [tenant.name or "library"]


@pytest.mark.parametrize("recipe", ["default", "keyword", "semantic", "graph"])
def test_search_in_every_lane_finds_only_its_tenant(world: dict[str, Tenant], recipe: str) -> None:
    query = "Who does Alice know, the secret recipe with saffron, Carol Dave Erin Bob"
    for tenant in world.values():
        found = tenant.memory.search(query, user_id="ann", recipe=recipe, limit=50)
        assert found["results"], (recipe, tenant.name)  # not vacuous: the tenant's own memories are found
        assert _ids(found) <= tenant.memory_ids, (recipe, tenant.name)
        for relation in found["relations"]:
            assert relation["destination"] not in {o.friend for o in tenant.others(world)}, (recipe, relation)
            assert set(relation["provenance"]["episode_ids"]) <= tenant.episode_ids, (recipe, relation)
        filtered = tenant.memory.search("saffron", agent_id="bot", filters={"user_id": "ann"}, recipe=recipe)
        assert _ids(filtered) <= tenant.memory_ids, (recipe, tenant.name)


def test_another_tenants_id_is_not_found_for_every_by_id_call(world: dict[str, Tenant]) -> None:
    for tenant in world.values():
        for other in tenant.others(world):
            m = tenant.memory
            for memory_id in other.memory_ids:
                assert m.get(memory_id) is None and m.get(memory_id, **SCOPE) is None
                assert m.history(memory_id) == []  # as for an id that does not exist
                with pytest.raises(NotFoundError):
                    m.update(memory_id, "overwritten by a stranger")
                with pytest.raises(NotFoundError):
                    m.delete(memory_id)
    for tenant in world.values():  # every record is still there, unchanged, for its own tenant
        assert _ids(tenant.memory.get_all(**SCOPE)) == tenant.memory_ids
        for memory_id in tenant.memory_ids:
            record = tenant.memory.get(memory_id)
            assert record is not None and record["memory"] != "overwritten by a stranger"
            assert [e["event"] for e in tenant.memory.history(memory_id)] == ["ADD"]


def test_the_same_update_in_two_tenants_is_no_conflict(world: dict[str, Tenant]) -> None:
    """One current copy of a fact per exact scope is a uniqueness key: it includes the tenant."""
    for tenant in world.values():
        note = next(i for i in sorted(tenant.memory_ids) if tenant.memory.get(i)["memory"] == NOTE)  # type: ignore[index]
        tenant.memory.update(note, "The secret recipe uses sumac")
        assert tenant.memory.get(note)["memory"] == "The secret recipe uses sumac"  # type: ignore[index]
        assert [e["event"] for e in tenant.memory.history(note)] == ["ADD", "UPDATE"]


def test_the_graph_reads_stay_in_their_tenant(world: dict[str, Tenant]) -> None:
    for tenant in world.values():
        m = tenant.memory
        around = {r["destination"] for r in m.neighbors("Alice", hops=2, **SCOPE)["relations"]}
        around |= {r["source"] for r in m.neighbors("Alice", hops=2, **SCOPE)["relations"]}
        assert tenant.friend in around, tenant.name
        assert around.isdisjoint(o.friend for o in tenant.others(world)), tenant.name
        assert m.paths("Alice", tenant.friend, **SCOPE)
        for other in tenant.others(world):
            with pytest.raises(NotFoundError):
                m.paths("Alice", other.friend, **SCOPE)
            with pytest.raises(NotFoundError):
                m.neighbors(other.friend, **SCOPE)


def test_export_holds_only_its_tenants_episodes(world: dict[str, Tenant]) -> None:
    for tenant in world.values():
        records = tenant.memory.export(**SCOPE)
        assert {r["episode_id"] for r in records} == tenant.episode_ids, tenant.name
        text = json.dumps(records)
        assert all(o.friend not in text for o in tenant.others(world)), tenant.name
        assert all("tenant" not in r for r in records)  # the tenant is never shown in the API's dicts


def test_import_into_another_tenant_copies_instead_of_skipping(world: dict[str, Tenant]) -> None:
    acme, globex = world["acme"], world["globex"]
    exported = acme.memory.export(**SCOPE)
    again = acme.memory.import_(exported)  # the same tenant: already there, skipped
    assert (again["episodes"], again["skipped"]) == (0, len(exported))
    copied = globex.memory.import_(exported)  # another tenant: its own copy, under new episode ids
    assert (copied["episodes"], copied["skipped"], copied["failed"]) == (len(exported), 0, 0)
    globex_episodes = {r["episode_id"] for r in globex.memory.export(**SCOPE)}
    assert len(globex_episodes) == 2 * len(exported) and globex_episodes.isdisjoint(acme.episode_ids)
    assert {r["episode_id"] for r in acme.memory.export(**SCOPE)} == acme.episode_ids
    assert _ids(acme.memory.get_all(**SCOPE)) == acme.memory_ids


def test_retry_failed_sees_only_its_tenants_episodes(world: dict[str, Tenant]) -> None:
    store = world[""].memory.store
    for tenant in world.values():  # each tenant's story: failed, as if its model had been down
        store.set_episode_status(tenant.story_episode, "failed", "simulated")
    for tenant in world.values():
        done = tenant.memory.retry_failed()
        assert (done["retried"], done["succeeded"]) == (1, 1), tenant.name
        assert [r["episode_id"] for r in done["results"]] == [tenant.story_episode]
        assert tenant.memory.retry_failed()["retried"] == 0
    for tenant in world.values():
        assert _ids(tenant.memory.get_all(**SCOPE)) == tenant.memory_ids


def test_delete_all_removes_only_its_tenants_records(world: dict[str, Tenant]) -> None:
    acme = world["acme"]
    assert acme.memory.delete_all(**SCOPE)["deleted"] == len(acme.memory_ids)
    assert acme.memory.get_all(**SCOPE)["results"] == [] and acme.memory.export(**SCOPE) == []
    with pytest.raises(NotFoundError):
        acme.memory.neighbors("Alice", **SCOPE)
    for tenant in acme.others(world):
        assert _ids(tenant.memory.get_all(**SCOPE)) == tenant.memory_ids, tenant.name
        assert {r["episode_id"] for r in tenant.memory.export(**SCOPE)} == tenant.episode_ids
        assert tenant.friend in {r["destination"] for r in tenant.memory.neighbors("Alice", **SCOPE)["relations"]}


def test_a_tenants_reset_leaves_every_other_tenant_intact(world: dict[str, Tenant]) -> None:
    acme = world["acme"]
    acme.memory.reset()
    assert acme.memory.get_all(user_id="ann")["results"] == [] and acme.memory.export(user_id="ann") == []
    assert acme.memory.search("Alice saffron", user_id="ann")["results"] == []
    for tenant in acme.others(world):
        assert _ids(tenant.memory.get_all(**SCOPE)) == tenant.memory_ids, tenant.name
        assert {r["episode_id"] for r in tenant.memory.export(**SCOPE)} == tenant.episode_ids
        assert _ids(tenant.memory.search("saffron", **SCOPE)) <= tenant.memory_ids
        assert tenant.friend in {r["destination"] for r in tenant.memory.neighbors("Alice", **SCOPE)["relations"]}
    acme.memory.add(STORY, **SCOPE)  # the tenant starts again from nothing: a fresh Alice, not another's
    graph = acme.memory.to_networkx(**SCOPE)
    assert sorted(graph.nodes[n]["name"] for n in graph.nodes) == sorted(SHARED_NAMES)


def test_a_tenant_cannot_run_raw_cypher(world: dict[str, Tenant]) -> None:
    with pytest.raises(ValidationError, match="tenant") as info:
        world["acme"].memory.cypher("MATCH (n) RETURN count(n) AS n")
    assert info.value.field == "query"
