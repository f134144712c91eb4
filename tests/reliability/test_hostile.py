"""Hostile inputs generated with hypothesis: names, types, metadata keys, filters, ids and queries of nasty text
(injection syntax of Cypher, SQL and Lucene, right-to-left marks, lone surrogates, NUL and every other control
character, characters of every Unicode plane, strings longer than every bound of ``LimitsConfig``). The only errors
allowed are graphmem's own ``ValidationError`` (bad input) and ``NotFoundError`` (an id or name that is not there),
a bystander scope's data never changes, and no call hangs: each must return within ``HANG_GUARD`` seconds, a
deadline hundreds of times what a call takes, there to catch a runaway (a regex or a search that never ends), not
to measure speed."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graphmem import Memory, NotFoundError, ValidationError
from graphmem.config import LimitsConfig

NASTY = [
    "'}) MATCH (n) DETACH DELETE n //",
    "x` RETURN 1 UNION MATCH (n) RETURN n //",
    "$user_id",
    "'; DROP TABLE memories; --",
    '" OR 1=1 --',
    'name:* OR title:"x"^9 AND NOT y~2',
    '\\*?:[]{}()!^"~',
    "\u202eevil\u202c",
    "\u0645\u0631\u062d\u0628\u0627 \u05e9\u05dc\u05d5\u05dd",
    "\U0001f600\u200d\U0001f4a9",
    " ",
    "a" * 200,
]
_LIMITS = LimitsConfig()
_LONGEST = max(_LIMITS.max_id_chars, _LIMITS.max_name_chars, _LIMITS.max_type_chars, _LIMITS.max_query_chars)
HANG_GUARD = 60.0  # seconds one call may take before it counts as hung (see the module doc)
TEXT = st.one_of(
    st.sampled_from(NASTY),
    st.text(min_size=1, max_size=40),  # any code point of any plane: surrogates (Cs), controls (Cc), NUL, unassigned
    st.text(st.characters(categories=("Cs", "Cc")), min_size=1, max_size=8),
    st.builds(  # a word around one NUL, control or surrogate: odd characters inside otherwise plain text
        lambda head, odd, tail: head + odd + tail,
        st.text("abc ", max_size=5),
        st.sampled_from(["\x00", "\x07", "\x1b", "\x7f", "\x85", "\ud800", "\udfff", "\U0010ffff", "\U000e0001"]),
        st.text("xyz ", max_size=5),
    ),
    st.builds(  # longer than every bound (names, ids, types, queries), some with a bad character past the cut
        lambda char, extra, tail: char * (_LONGEST + extra) + tail,
        st.sampled_from(["a", "\u00e9", "\U0001f600", "\U00020000", " "]),
        st.integers(1, 3 * _LONGEST),
        st.sampled_from(["", "\ud800", "\x00"]),
    ),
)
FILTER = st.one_of(
    st.dictionaries(TEXT, TEXT, max_size=2),
    st.builds(lambda k, v: {k: {"in": v}}, TEXT, st.lists(TEXT, max_size=5)),
    st.builds(lambda k, v: {"NOT": [{k: v}]}, TEXT, TEXT),
)


OPS = ["add_triples", "add", "search", "get_all", "get", "history", "neighbors", "paths", "scope_id"]


class Hung(Exception):
    """A call still running after ``HANG_GUARD`` seconds."""


@contextmanager
def _hang_guard() -> Iterator[None]:
    """Interrupt the call (SIGALRM, main thread) once it has run ``HANG_GUARD`` seconds: a hang fails the test with
    the input that caused it instead of stalling the suite."""

    def expire(signum: int, frame: object) -> None:
        raise Hung(f"still running after {HANG_GUARD:.0f} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, HANG_GUARD)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _call(memory: Memory, op: str, a: Any, b: Any, c: Any) -> None:
    if op == "add_triples":
        memory.add_triples([(a, b, c)], user_id="h")
    elif op == "add":
        memory.add(f"{a} works at {c}.", user_id="h", metadata={b: c})
    elif op == "search":
        memory.search(a, user_id="h", filters=c)
    elif op == "get_all":
        memory.get_all(user_id="h", filters=c)
    elif op == "get":
        memory.get(a, user_id="h")
    elif op == "history":
        memory.history(a, user_id="h")
    elif op == "neighbors":
        memory.neighbors(a, user_id="h")
    elif op == "paths":
        memory.paths(a, c if isinstance(c, str) else b, user_id="h")
    elif op == "scope_id":
        memory.add_triples([("Ann", "KNOWS", "Ben")], user_id=a, agent_id=b)


def test_hostile_inputs_raise_only_graphmem_errors_and_stay_in_scope(
    memory: Memory, report: Callable[[str], str]
) -> None:
    memory.add_triples([("Ann", "KNOWS", "Ben"), ("Ben", "WORKS_AT", "Acme")], user_id="bystander")
    memory.add("Cy lives in Paris.", user_id="bystander", metadata={"k": "v"})
    before = (memory.export(user_id="bystander"), memory.get_all(user_id="bystander"))
    tried, unexpected = 0, []

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(
        op=st.sampled_from(OPS),
        a=TEXT,
        b=TEXT,
        c=st.one_of(TEXT, FILTER),
    )
    def run(op: str, a: str, b: str, c: Any) -> None:
        nonlocal tried
        tried += 1
        if op in ("search", "get_all") and isinstance(c, str):
            c = {b: c}
        if op in ("add_triples", "add") and not isinstance(c, str):
            c = b
        try:
            with _hang_guard():
                _call(memory, op, a, b, c)
        except (ValidationError, NotFoundError):
            pass
        except Exception as exc:  # counted and shown: any other error (a hang too) is a finding
            unexpected.append(f"{op}({a!r}, {b!r}, {c!r}): {type(exc).__name__}: {exc}"[:300])

    run()
    after = (memory.export(user_id="bystander"), memory.get_all(user_id="bystander"))
    report(f"hostile: {tried} inputs, {len(unexpected)} unexpected errors")
    assert unexpected == []
    assert after == before
