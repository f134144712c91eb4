"""Contract: AsyncMemory has the same methods as coroutines and overlaps I/O; Memory works in a running loop."""

from __future__ import annotations

import asyncio
import inspect
import threading
import time
from collections.abc import Callable

from graphmem import AsyncMemory, Memory
from graphmem.ingest.extract import ExtractionContext
from graphmem.models import ExtractedFact, Extraction, Message
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store

DELAY = 0.4


class SlowExtractor:
    """Stands in for a remote LLM: each call waits, like a network round trip, and counts the calls in flight."""

    name = "slow"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.most_in_flight = 0

    def extract(self, messages: list[Message], context: ExtractionContext) -> Extraction:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        time.sleep(DELAY)
        with self.lock:
            self.in_flight -= 1
        return Extraction(facts=[ExtractedFact(text=m.content) for m in messages])


def test_concurrent_async_adds_overlap(make_store: Callable[[], Store], embedder: Embedder) -> None:
    extractor = SlowExtractor()
    memory = AsyncMemory(store=make_store(), embedder=embedder, extractor=extractor)

    async def main() -> list[dict[str, object]]:
        return list(await asyncio.gather(*(memory.add(f"fact {i}", user_id="u") for i in range(8))))

    results = asyncio.run(main())
    assert len({r["results"][0]["id"] for r in results}) == 8  # type: ignore[index]
    # Sequential adds would never have two model calls waiting at once (counted, not timed: load-proof).
    assert extractor.most_in_flight >= 4, f"at most {extractor.most_in_flight} adds overlapped"


def test_async_methods_mirror_memory(make_store: Callable[[], Store], embedder: Embedder) -> None:
    async def main() -> None:
        async with AsyncMemory(store=make_store(), embedder=embedder) as m:
            added = await m.add("Alice met Bob at GraphConf 2025 in San Francisco.", user_id="u")
            mid = added["results"][0]["id"]
            assert (await m.get(mid))["id"] == mid  # type: ignore[index]
            assert (await m.search("Alice", user_id="u"))["relations"]
            assert len((await m.get_all(user_id="u"))["results"]) == len(added["results"])
            await m.update(mid, "Alice met Bob at GraphConf")  # the graph follows the text: Alice still met Bob
            assert [e["event"] for e in await m.history(mid)] == ["ADD", "UPDATE"]
            await m.add_triples([("Bob", "KNOWS", "Carol")], user_id="u")
            assert (await m.neighbors("Carol", user_id="u"))["relations"][0]["source"] == "Bob"
            assert await m.paths("Alice", "Carol", user_id="u")
            assert (await m.to_networkx(user_id="u")).number_of_edges() >= 4
            await m.delete(mid)
            assert await m.get(mid) is None
            await m.delete_all(user_id="u")
            assert (await m.get_all(user_id="u"))["results"] == []

    asyncio.run(main())


def test_every_memory_method_has_a_coroutine_twin() -> None:
    methods = {n for n, v in vars(Memory).items() if callable(v) and not n.startswith("_")}
    methods -= {"from_config", "from_config_file", "for_tenant"}  # constructors (of a view), the same on both
    assert methods == {n for n in methods if inspect.iscoroutinefunction(getattr(AsyncMemory, n, None))}


def test_an_async_tenant_view_is_fenced_and_closing_it_keeps_the_memory(
    make_store: Callable[[], Store], embedder: Embedder
) -> None:
    async def main() -> None:
        async with AsyncMemory(store=make_store(), embedder=embedder) as m:
            acme, globex = m.for_tenant("acme"), m.for_tenant("globex")
            added = await acme.add("Alice likes tea", user_id="u", infer=False)
            memory_id = added["results"][0]["id"]
            assert await globex.get(memory_id) is None
            assert (await globex.get_all(user_id="u"))["results"] == []
            await acme.close()  # a view: the pool and the store stay open
            assert (await acme.get(memory_id)) is not None
            assert (await m.get_all(user_id="u"))["results"] == []  # the library's own tenant is another

    asyncio.run(main())


def test_sync_memory_works_inside_a_running_event_loop(memory: Memory) -> None:
    async def notebook_cell() -> dict[str, object]:
        memory.add("I like espresso", user_id="nb", infer=False)
        return memory.search("espresso", user_id="nb")

    out = asyncio.run(notebook_cell())
    assert [r["memory"] for r in out["results"]] == ["I like espresso"]  # type: ignore[index]
