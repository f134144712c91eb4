"""The embedded store's edge cache: what it hands back is never older than the store's last write or the clock."""

from __future__ import annotations

from graphmem.stores.base import Edge
from graphmem.stores.edge_cache import EdgeCache, Key, ends_at


def _key(entity: str, end: str = "source_id") -> Key:
    return ("", "u", None, None, 50, end, entity)


def _edge(ident: str) -> Edge:
    return Edge(ident, "a", "b", "A", "B", "KNOWS", "A knows B", "2026-01-01T00:00:00+00:00", ())


def test_a_miss_is_read_then_kept_until_the_write_counter_moves() -> None:
    cache = EdgeCache()
    assert cache.get(1, [_key("a")], "2026") == ([], [_key("a")])
    cache.put(1, {_key("a"): ([_edge("r1")], None), _key("b"): ([], None)})
    assert cache.get(1, [_key("a"), _key("b"), _key("c")], "2026") == ([_edge("r1")], [_key("c")])
    # another write (any process's): everything is read again
    assert cache.get(2, [_key("a"), _key("b")], "2026") == ([], [_key("a"), _key("b")])
    assert len(cache) == 0


def test_rows_read_before_a_write_that_another_read_already_saw_are_not_kept() -> None:
    cache = EdgeCache()
    cache.get(1, [_key("a")], "2026")  # a read starts under write count 1 ...
    cache.get(2, [_key("b")], "2026")  # ... another sees a newer write before the first one's rows come back
    cache.put(1, {_key("a"): ([_edge("old")], None)})
    assert cache.get(2, [_key("a")], "2026") == ([], [_key("a")])


def test_an_entry_ends_when_one_of_its_edges_stops_being_current() -> None:
    now = "2026-12-02T10:00:00+00:00"
    until = ends_at([None, "2026-12-02T12:00:00+00:00", "2026-12-02T11:00:00+00:00", "2026-12-01T00:00:00+00:00"], now)
    assert until == "2026-12-02T11:00:00+00:00"  # the earliest future one; past ones are already out
    assert ends_at([None], now) is None
    cache = EdgeCache()
    cache.get(1, [], now)
    cache.put(1, {_key("a"): ([_edge("r1")], until)})
    assert cache.get(1, [_key("a")], "2026-12-02T10:59:59+00:00")[0] == [_edge("r1")]
    assert cache.get(1, [_key("a")], "2026-12-02T11:00:00+00:00") == ([], [_key("a")])


def test_the_oldest_entries_go_first_past_the_row_bound() -> None:
    cache = EdgeCache(max_rows=3)
    cache.get(1, [], "2026")
    cache.put(1, {_key("a"): ([_edge("1"), _edge("2")], None)})
    cache.put(1, {_key("b"): ([_edge("3")], None)})
    cache.put(1, {_key("a"): ([_edge("1")], None)})  # replaced: counted once, and now the newest
    cache.put(1, {_key("c"): ([_edge("4")], None)})
    assert cache.get(1, [_key("a"), _key("b"), _key("c")], "2026")[1] == []
    cache.put(1, {_key("d"): ([_edge("5")], None)})  # 4 rows: b (the oldest) goes
    assert cache.get(1, [_key("a"), _key("b"), _key("c"), _key("d")], "2026")[1] == [_key("b")]
