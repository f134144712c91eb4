"""Contract: the relation-vector lane over a store mixing the two ways a relation gets its vector (issue 13).

Relations written by ``add`` carry their own vector (their fact's); bulk triples are embedded by their type phrase,
so every relation of one type in a plan shares one vector object (``ingest/plan.py``, ``by_type``), which a store
may keep once per type instead of once per relation. Either way ``vector_search("relation", ...)`` and
``similarity("relation", ...)`` answer as if each relation held its own copy: exact cosines, ordered by score and
then id (so a type's relations, which tie, come in id order), within the read scope and its tenant, current or as
of an instant. The expected answers are computed here from the vectors written, so the test states the rule
rather than any store's layout.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import numpy as np

from graphmem.models import EntityRecord, Provenance, RelationRecord, Scope, normalize_name, utcnow
from graphmem.stores.base import Invalidation, Store, Vector, WritePlan

DIM = 384
HOME = Scope(user_id="u")


def _unit(rng: np.random.Generator, near: Vector | None = None, spread: float = 1.0) -> Vector:
    """A random unit vector; ``near`` plus noise of norm about ``spread`` * 20 (0.1: a cosine near 0.45)."""
    v = rng.normal(size=DIM).astype(np.float32) * spread
    if near is not None:
        v += near
    return (v / np.linalg.norm(v)).astype(np.float32)


class _Written:
    """What was written: each relation's vector, scope and lifetime, for the expected answers."""

    def __init__(self) -> None:
        self.vectors: dict[str, Vector] = {}
        self.scopes: dict[str, Scope] = {}
        self.created: dict[str, datetime] = {}
        self.expired: dict[str, datetime | None] = {}

    def ranked(self, read: Scope, query: Vector, at: datetime | None = None) -> list[tuple[str, float]]:
        """Every relation the read may return, best first: in scope, current (or believed at ``at``)."""

        def visible(i: str) -> bool:
            expired = self.expired[i]
            if at is None:
                return expired is None
            return self.created[i] <= at and (expired is None or expired > at)

        scored = [(i, float(self.vectors[i] @ query)) for i in self.vectors
                  if read.contains(self.scopes[i]) and visible(i)]  # fmt: skip
        return sorted(scored, key=lambda hit: (-hit[1], hit[0]))


def _check(got: list[tuple[str, float]], ranked: list[tuple[str, float]], k: int) -> None:
    """``got`` is a top k of ``ranked``: the same scores rank by rank, sorted by score then id, only relations
    the read may return, and every one scoring above the k-th. Scores equal to float rounding (the same vector
    scored in two blocks) count as ties, and which of a tie makes the cut is the store's (ids, when exact)."""
    tol = 1e-5
    assert len(got) == min(k, len(ranked))
    assert np.allclose([s for _, s in got], [s for _, s in ranked[:k]], atol=tol)
    assert got == sorted(got, key=lambda hit: (-hit[1], hit[0]))
    allowed = dict(ranked)
    assert all(i in allowed and abs(allowed[i] - s) <= tol for i, s in got)
    if got:
        assert {i for i, s in ranked if s > got[-1][1] + tol} <= {i for i, _ in got}


def _write(store: Store, rng: np.random.Generator, query: Vector) -> tuple[_Written, datetime, datetime]:
    """Per-fact relations and two shared type vectors in the home scope; the same shared vector objects in another
    user's scope, another tenant's and an agent's under the same user; one shared relation expired (the smallest
    id of its type, so a store that cuts a type at k before dropping what is not current answers short)."""
    written = _Written()
    start = utcnow() - timedelta(hours=2)
    expired_at = start + timedelta(hours=1)
    directed = _unit(rng, query, 0.08)  # the better type for the query
    written_by = _unit(rng, query, 0.12)
    scopes = [HOME, Scope(user_id="other"), Scope(user_id="u", tenant="t2"), Scope(user_id="u", agent_id="a")]
    for n, scope in enumerate(scopes):
        plan = WritePlan(episode_id=f"bulk-{n}")
        names = [f"Movie {n}-{i}" for i in range(8)] + [f"Person {n}-{i}" for i in range(3)]
        ids = {name: f"e-{n}-{normalize_name(name)}" for name in names}
        plan.entities = [EntityRecord(id=ids[name], name=name, normalized=normalize_name(name), scope=scope,
                                      created_at=start) for name in names]  # fmt: skip

        def relation(rid: str, source: str, kind: str, target: str, vector: list[float],
                     expired: datetime | None = None, scope: Scope = scope,
                     ids: dict[str, str] = ids) -> RelationRecord:  # fmt: skip
            record = RelationRecord(id=rid, source_id=ids[source], target_id=ids[target], source=source,
                                    target=target, type=kind, fact=f"{source} {kind} {target}", scope=scope,
                                    created_at=start, provenance=Provenance())  # fmt: skip
            record.embedding = vector  # assigned as ingest does: one object, shared, uncopied
            written.vectors[rid] = np.asarray(vector, dtype=np.float32)
            written.scopes[rid], written.created[rid], written.expired[rid] = scope, start, expired
            return record

        shared_directed = directed.tolist()  # one object per type, as by_type hands it over
        shared_written = written_by.tolist()
        plan.relations = [
            relation(f"r{n}-d{i}", f"Movie {n}-{i}", "DIRECTED_BY", f"Person {n}-{i % 3}", shared_directed,
                     expired=expired_at if i == 0 else None)
            for i in range(6)
        ]  # fmt: skip
        plan.relations += [
            relation(f"r{n}-w{i}", f"Movie {n}-{i}", "WRITTEN_BY", f"Person {n}-{(i + 1) % 3}", shared_written)
            for i in range(4)
        ]
        if scope == HOME:  # facts with their own vectors, above, between and below the two types' scores
            own = [(1, 0.03), (1, 0.1), (1, 0.2), (-1, 0.1)]
            plan.relations += [
                relation(f"r{n}-f{i}", f"Movie {n}-{i}", "LIKES", f"Person {n}-{i % 3}",
                         _unit(rng, sign * query, spread).tolist())
                for i, (sign, spread) in enumerate(own)
            ]  # fmt: skip
        store.apply(plan)
        # d0 stops being believed later, as a contradiction does it (its lifetime is already in `written`).
        store.apply(WritePlan(episode_id=f"expire-{n}", relation_invalidations=[
            Invalidation(id=f"r{n}-d0", invalid_at=None, expired_at=expired_at)]))  # fmt: skip
    return written, start + timedelta(minutes=30), expired_at + timedelta(minutes=30)


def test_the_relation_lane_agrees_over_shared_and_own_vectors(make_store: Callable[[], Store]) -> None:
    store = make_store()
    rng = np.random.default_rng(13)
    query = _unit(rng)
    written, before_expiry, after_expiry = _write(store, rng, query)
    reads = [HOME, Scope(user_id="u", agent_id="a"), Scope(user_id="other"), Scope(user_id="u", tenant="t2"),
             Scope(), Scope(tenant="t2")]  # fmt: skip
    for read in reads:
        for k in (1, 3, 7, 40):
            for at in (None, before_expiry, after_expiry):
                got = store.vector_search("relation", read, query, k, as_of=at)
                _check(got, written.ranked(read, query, at), k)
    ids = [*sorted(written.vectors), "no-such-relation"]
    scores = store.similarity("relation", ids, query)
    assert sorted(scores) == sorted(written.vectors)
    assert all(abs(scores[i] - float(written.vectors[i] @ query)) < 1e-5 for i in written.vectors)
