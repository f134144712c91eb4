"""Contract: ``add`` gathers an episode's candidates in bulk (issue 10, point 4; DESIGN §3.4), on every backend.

The store calls of one ``add`` do not grow with the entities and facts it names: an episode of ten new entities
and facts costs the same calls as one. The batched vector search it uses returns, vector by vector, what
``vector_search`` returns, in the exact and the approximate (index) regime alike.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pytest

from graphmem import Memory
from graphmem.models import EntityRecord, MemoryRecord, Scope, normalize_name, utcnow
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Invalidation, Store, WritePlan
from tests.contract.test_llm_memory import chat_for, extraction
from tests.counting import CountingStore
from tests.llm_server import LlmServer

NO_VERDICTS: dict[str, list[Any]] = {"facts": [], "relations": [], "entities": []}
TOPICS = ["chess", "opera", "sailing", "pottery", "rowing", "baking", "fencing", "origami", "tango", "archery"]


@pytest.fixture
def counted(make_store: Callable[[], Store], embedder: Embedder, llm_server: LlmServer) -> Iterator[Memory]:
    """A Memory with a chat model over a counting store; every existing entity or memory of the scope is a
    candidate (cut-offs at -1) and nothing merges without asking, so both candidate paths run in full."""
    config = {"reconcile": {"entity_candidate": -1.0, "fact_candidate": -1.0, "entity_merge": 1.0}}
    m = Memory(config, store=cast(Store, CountingStore(make_store())), embedder=embedder, chat=chat_for(llm_server))
    yield m
    m.close()


def _episode(people: int) -> dict[str, Any]:
    """``people`` new people, each with a fact of their own and a relation from the scope's existing Ann Lee."""
    names = [f"Person {chr(ord('A') + i)}" for i in range(people)]
    return extraction(
        [(f"{n} enjoys {TOPICS[i]}", [n]) for i, n in enumerate(names)],
        [(n, "Person") for n in names] + [("Ann Lee", "Person")],
        [("Ann Lee", "KNOWS", n, f"Ann Lee knows {n}") for n in names],
    )


def _add_counted(m: Memory, llm_server: LlmServer, user: str, people: int) -> Counter[tuple[str, str | None]]:
    """Fill the user's scope with one person and one fact, then add an episode naming ``people`` new people and
    return the store calls that add made."""
    llm_server.script_chat(extraction([("Ann Lee plays chess", ["Ann Lee"])], [("Ann Lee", "Person")]))
    m.add("Ann Lee plays chess.", user_id=user)
    counting = cast(CountingStore, m.store)
    counting.calls.clear()
    asked_before = len(llm_server.chat_requests)
    llm_server.script_chat(_episode(people), NO_VERDICTS)
    result = m.add("Some news about people I know.", user_id=user)
    assert result["usage"]["llm_calls"] == 2 and "error" not in result
    assert len(result["results"]) == people and len(result["relations"]["added"]) == people
    question = json.loads(llm_server.chat_requests[asked_before + 1].body["messages"][-1]["content"])
    assert len(question["new_entities"]) == people  # every new person was asked about (Ann Lee is a candidate)
    return Counter(counting.calls)


def test_an_add_makes_the_same_store_calls_for_one_entity_as_for_ten(counted: Memory, llm_server: LlmServer) -> None:
    one = _add_counted(counted, llm_server, "one", 1)
    ten = _add_counted(counted, llm_server, "ten", 10)
    assert ten == one
    assert one[("vector_search_many", "entity")] == 1 and one[("vector_search_many", "memory")] == 1
    assert not [call for call in one if call[0] == "vector_search"]
    # The number the docs state (Ingestor.process, README "How it works"): at most 15 calls, 5 gather candidates.
    gathering = {("vector_search_many", "entity"), ("get_entities", None), ("vector_search_many", "memory"),
                 ("get_memories", None), ("mentions", None)}  # fmt: skip
    assert sum(n for call, n in one.items() if call in gathering) == 5
    assert sum(one.values()) <= 15


# -- the batched vector search ---------------------------------------------------------------------------------------
def _unit(rng: np.random.Generator, rows: int, dim: int) -> npt.NDArray[np.float32]:
    v = rng.normal(size=(rows, dim)).astype(np.float32)
    return cast(npt.NDArray[np.float32], v / np.linalg.norm(v, axis=1, keepdims=True))


def _fill(store: Store, rng: np.random.Generator, dim: int, near: npt.NDArray[np.float32]) -> None:
    """Memories and entities in several scopes: a small one (searched exactly), a large one (through the index on
    Neo4j), one whose index neighbours are all another scope's (``crowd`` sits around ``near``), agent-only rows,
    and invalidated memories (never returned)."""
    now = utcnow()
    layout = {Scope(user_id="small"): 12, Scope(user_id="big"): 250, Scope(user_id="big", agent_id="bot"): 30,
              Scope(agent_id="bot"): 20, Scope(user_id="mine"): 150}  # fmt: skip
    plan = WritePlan(episode_id="fill")
    for scope, rows in layout.items():
        tag = "-".join(v or "_" for v in scope.key())
        for i, v in enumerate(_unit(rng, rows, dim)):
            plan.memories.append(MemoryRecord(id=f"m-{tag}-{i:04d}", text=f"{tag} {i}", hash=f"{tag}{i}",
                                              scope=scope, created_at=now, embedding=v.tolist()))  # fmt: skip
            name = f"{tag} entity {i}"
            plan.entities.append(EntityRecord(id=f"e-{tag}-{i:04d}", name=name, normalized=normalize_name(name),
                                              scope=scope, created_at=now, embedding=v.tolist()))  # fmt: skip
    crowd = near + 0.05 * rng.normal(size=(900, dim)).astype(np.float32)
    crowd /= np.linalg.norm(crowd, axis=1, keepdims=True)
    plan.memories += [MemoryRecord(id=f"m-crowd-{i:04d}", text=f"crowd {i}", hash=f"crowd{i}",
                                   scope=Scope(user_id="crowd"), created_at=now, embedding=v.tolist())
                      for i, v in enumerate(crowd)]  # fmt: skip
    store.apply(plan)
    gone = [m.id for m in plan.memories if m.id.endswith("3")]
    store.apply(WritePlan(episode_id="invalidate", memory_invalidations=[
        Invalidation(id=i, invalid_at=now, expired_at=now) for i in gone]))  # fmt: skip


SCOPES = [Scope(user_id="small"), Scope(user_id="big"), Scope(user_id="big", agent_id="bot"), Scope(agent_id="bot"),
          Scope(user_id="mine"), Scope(user_id="nobody")]  # fmt: skip


@pytest.mark.parametrize("kind", ["memory", "entity"])
def test_vector_search_many_returns_what_vector_search_returns(
    make_store: Callable[[], Store], embedder: Embedder, kind: str
) -> None:
    rng = np.random.default_rng(10)
    store = make_store()
    near = _unit(rng, 1, embedder.dim)[0]
    _fill(store, rng, embedder.dim, near)
    queries = [*_unit(rng, 6, embedder.dim), near, near]  # a repeated query, and one the crowd surrounds
    for scope in SCOPES:
        for k in (1, 5):
            batched = store.vector_search_many(kind, scope, queries, k)  # type: ignore[arg-type]
            singly = [store.vector_search(kind, scope, q, k) for q in queries]  # type: ignore[arg-type]
            assert [[i for i, _ in hits] for hits in batched] == [[i for i, _ in hits] for hits in singly], scope
            for got, want in zip(batched, singly, strict=True):
                assert [s for _, s in got] == pytest.approx([s for _, s in want], abs=1e-6)
    assert store.vector_search_many("memory", SCOPES[0], [], 5) == []
    assert store.vector_search_many("memory", SCOPES[0], queries[:2], 0) == [[], []]
