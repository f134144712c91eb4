"""The narrow seam: ``GraphStore`` stays small, ``GraphBacked`` derives the rest, and the in-process capabilities
rank the way they promise. (The whole contract suite also runs on ``DictGraph`` through ``GraphBacked``.)"""

from __future__ import annotations

import inspect
from datetime import timedelta

import numpy as np

from graphmem import Memory
from graphmem.models import MemoryRecord, Scope, utcnow
from graphmem.providers.embed import Embedder
from graphmem.stores.base import GraphStore, Store, WritePlan
from graphmem.stores.graph_backed import GraphBacked, full_store
from graphmem.stores.inprocess_text import InProcessText
from graphmem.stores.inprocess_vectors import InProcessVectors
from tests.dict_graph import DictGraph

ALICE = Scope(user_id="alice")


def _protocol_methods(protocol: type) -> set[str]:
    return {name for name, _ in inspect.getmembers(protocol, inspect.isfunction) if not name.startswith("_")}


def test_the_graph_protocol_stays_narrow_and_the_stub_implements_only_it() -> None:
    narrow = _protocol_methods(GraphStore)
    assert len(narrow) <= 15, sorted(narrow)
    assert len(_protocol_methods(Store)) > len(narrow) + 10  # the rest is derived, not asked of an engine
    stub = {name for name, _ in inspect.getmembers(DictGraph, inspect.isfunction) if not name.startswith("_")}
    assert stub == narrow  # so the contract suite's "narrow" backend really runs on the derived methods
    assert not isinstance(DictGraph(), Store)


def test_memory_wraps_a_narrow_store_and_answers_through_it(embedder: Embedder) -> None:
    graph = DictGraph()
    m = Memory(store=graph, embedder=embedder)
    assert isinstance(m.store, GraphBacked) and m.store.graph is graph
    m.add("Jane Doe works at Acme Corp. Acme Corp signed Contract 42.", user_id="alice")
    found = m.search("Where does Jane work?", user_id="alice")
    assert found["results"] and "Acme" in found["results"][0]["memory"]
    assert {(r["source"], r["destination"]) for r in found["relations"]} >= {("Jane Doe", "Acme Corp")}
    assert m.search("Jane", user_id="bob")["results"] == []
    full = GraphBacked(DictGraph())
    assert full_store(full) is full


def _memory(text: str, vector: list[float], **times: object) -> MemoryRecord:
    created = utcnow() - timedelta(days=3)
    return MemoryRecord.model_validate(
        {"id": text.replace(" ", "-"), "text": text, "hash": text, "scope": ALICE, "created_at": created,
         "embedding": vector, **times}
    )  # fmt: skip


def _graph(*memories: MemoryRecord) -> DictGraph:
    graph = DictGraph()
    graph.apply(WritePlan(episode_id="e1", memories=list(memories)))
    return graph


def test_in_process_bm25_ranks_matching_memories_only_and_respects_time() -> None:
    yesterday = utcnow() - timedelta(days=1)
    graph = _graph(
        _memory("tea tea and biscuits", [1, 0, 0]),
        _memory("tea once", [0, 1, 0]),
        _memory("coffee only", [0, 0, 1]),
        _memory("tea long gone", [1, 1, 0], expired_at=yesterday),
    )
    text = InProcessText(graph)
    hits = text.text_search("memory", ALICE, ["tea"], 10)
    assert [h[0] for h in hits] == ["tea-tea-and-biscuits", "tea-once"]  # more "tea" first; expired and coffee absent
    assert hits[0][1] > hits[1][1] > 0
    assert text.text_search("memory", Scope(user_id="bob"), ["tea"], 10) == []
    assert text.text_search("memory", ALICE, ["gone"], 10) == []
    two_days_ago = utcnow() - timedelta(days=2)
    assert [h[0] for h in text.text_search("memory", ALICE, ["gone"], 10, as_of=two_days_ago)] == ["tea-long-gone"]


def test_in_process_vectors_are_exact_cosines_over_current_records() -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(30, 8)).astype(np.float32)
    memories = [_memory(f"memory number {i:03d}", vectors[i].tolist()) for i in range(30)]
    memories[0] = memories[0].model_copy(update={"expired_at": utcnow()})
    graph = _graph(*memories)
    query = rng.normal(size=8).astype(np.float32)
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    cosines = unit @ (query / np.linalg.norm(query))
    order = [i for i in np.argsort(-cosines) if i != 0][:5]
    hits = InProcessVectors(graph).vector_search("memory", ALICE, query, 5)
    assert [h[0] for h in hits] == [memories[i].id for i in order]
    assert np.allclose([h[1] for h in hits], cosines[order], atol=1e-5)
    many = InProcessVectors(graph).vector_search_many("memory", ALICE, [query, vectors[3]], 5)
    assert [h[0] for h in many[0]] == [h[0] for h in hits] and many[1][0][0] == memories[3].id
    assert np.allclose([h[1] for h in many[0]], [h[1] for h in hits], atol=1e-5)
    scores = InProcessVectors(graph).similarity("memory", [memories[0].id, memories[7].id, "nope"], query)
    assert set(scores) == {memories[0].id, memories[7].id}  # similarity is exact for any stored id
