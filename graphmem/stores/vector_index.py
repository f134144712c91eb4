"""The embedded store's in-memory vector index: rows partitioned by (tenant, user), exact when small, IVF when large.

Why this shape: every search is scoped, and nearly always by user. Keeping each user's rows in their own contiguous
block makes a scoped search a matrix product over that block only, so its cost follows the tenant's size, not the
store's, and a small tenant never loses neighbours to an unfiltered approximate top-k. A partition that outgrows
``exact_limit`` rows becomes an inverted-file index (spherical k-means, about sqrt(n) lists, each list a
contiguous block): a search scores the centroids and scans the nearest lists until ``probe_rows`` rows have been
seen, so its cost stays bounded as the partition grows (sub-linear, not a scan). Reads without a user (agent- or
run-only scopes) visit every partition of their tenant; a partition never holds two tenants' rows, so one tenant's
search never scores another's (the service's fence, issue 12).

Lists are trained when rows arrive, never by a search (issue 13: the first search of a big partition used to train
it, 2-4 s): ``reset`` loads rows in bulk (numpy, no per-row appends) and trains every partition over the limit
there, and ``upsert`` retrains a partition on the write that takes it past the limit or doubles it since its last
training, so that write pays for it (amortized: the rows it was trained on double in between).

Deleted rows are tombstoned and a block is compacted when more than half of it is dead.
"""

from __future__ import annotations

import heapq
import itertools
import math
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from graphmem.models import Scope

F32 = npt.NDArray[np.float32]
G = TypeVar("G", bound=np.generic)
_GROW = 1.5
_KMEANS_ITERATIONS = 8
_KMEANS_SAMPLE_PER_LIST = 40
_LOAD_CHUNK = 8_192  # rows read and converted at a time by ``load``
_SEED = 20261125  # fixed, so the same rows always cluster the same way


class _Block:
    """Contiguous rows: vectors plus the agent/run scope values and flags a search masks on."""

    def __init__(self, dim: int) -> None:
        self.vecs: F32 = np.zeros((0, dim), dtype=np.float32)
        self.ids: list[str] = []
        self.agents: npt.NDArray[np.object_] = np.zeros(0, dtype=object)
        self.runs: npt.NDArray[np.object_] = np.zeros(0, dtype=object)
        self.live = np.zeros(0, dtype=bool)
        self.current = np.zeros(0, dtype=bool)
        self.n = 0
        self.dead = 0
        self._ranks: npt.NDArray[np.intp] | None = None  # each row's place in id order (``ranks``), built lazily

    def ranks(self) -> npt.NDArray[np.intp]:
        """Each row's position in the block's id order: a large tie at a search's cut is broken by id with one
        vectorized selection instead of a comparison per tied row. Built on first need, kept until rows are added."""
        if self._ranks is None or self._ranks.size != self.n:
            ranks = np.empty(self.n, dtype=np.intp)
            ranks[sorted(range(self.n), key=self.ids.__getitem__)] = np.arange(self.n)
            self._ranks = ranks
        return self._ranks

    @classmethod
    def of(
        cls,
        ids: list[str],
        vecs: F32,
        agents: npt.NDArray[np.object_],
        runs: npt.NDArray[np.object_],
        current: npt.NDArray[np.bool_],
    ) -> _Block:
        """A full block of the given rows, built with array copies (bulk loads and retraining append nothing)."""
        block = cls(vecs.shape[1])
        block.vecs = np.ascontiguousarray(vecs, dtype=np.float32)
        block.ids = ids
        block.agents, block.runs = agents, runs
        block.live, block.current = np.ones(len(ids), dtype=bool), np.asarray(current, dtype=bool)
        block.n = len(ids)
        return block

    def append(self, ident: str, vec: F32, agent: str, run: str, current: bool) -> int:
        if self.n == self.vecs.shape[0]:
            capacity = max(16, int(self.n * _GROW))
            self.vecs = _resize(self.vecs, capacity)
            self.agents, self.runs = _resize(self.agents, capacity), _resize(self.runs, capacity)
            self.live, self.current = _resize(self.live, capacity), _resize(self.current, capacity)
        row = self.n
        self.vecs[row] = vec
        self.ids.append(ident)
        self.agents[row], self.runs[row] = agent, run
        self.live[row], self.current[row] = True, current
        self.n += 1
        return row

    def mask(self, agent: str | None, run: str | None, current_only: bool) -> npt.NDArray[np.bool_]:
        mask = self.live[: self.n].copy()
        if current_only:
            mask &= self.current[: self.n]
        if agent is not None:
            mask &= self.agents[: self.n] == agent
        if run is not None:
            mask &= self.runs[: self.n] == run
        return mask

    def compacted(self) -> tuple[_Block, list[str]]:
        """A copy without dead rows, and the ids it keeps (their rows are their positions)."""
        keep = np.flatnonzero(self.live[: self.n])
        block = _Block.of([self.ids[r] for r in keep], self.vecs[keep], self.agents[keep], self.runs[keep],
                          self.current[keep])  # fmt: skip
        return block, block.ids


# A partition's rows as arrays: ids, vectors, agent and run values, currency.
_Rows = tuple[list[str], F32, npt.NDArray[np.object_], npt.NDArray[np.object_], npt.NDArray[np.bool_]]


@dataclass
class _Partition:
    """One user's rows: a single flat block, or IVF lists (one block per centroid)."""

    blocks: list[_Block]
    centroids: F32 | None = None
    trained_at: int = 0  # live rows when the lists were last built
    where: dict[str, tuple[int, int]] = field(default_factory=dict)  # id -> (block, row)

    def rows(self) -> _Rows:
        """Every live row, as arrays (one copy per block, no per-row Python objects but the ids)."""
        keeps = [np.flatnonzero(block.live[: block.n]) for block in self.blocks]
        return (
            [block.ids[r] for block, keep in zip(self.blocks, keeps, strict=True) for r in keep],
            np.concatenate([block.vecs[keep] for block, keep in zip(self.blocks, keeps, strict=True)]),
            np.concatenate([block.agents[keep] for block, keep in zip(self.blocks, keeps, strict=True)]),
            np.concatenate([block.runs[keep] for block, keep in zip(self.blocks, keeps, strict=True)]),
            np.concatenate([block.current[keep] for block, keep in zip(self.blocks, keeps, strict=True)]),
        )


class VectorIndex:
    """Rows of (id, unit vector, scope, current?) searchable by dot product under a read scope."""

    def __init__(self, dim: int, exact_limit: int = 20_000, probe_rows: int = 8_192) -> None:
        if exact_limit < 1 or probe_rows < 1:
            raise ValueError("exact_limit and probe_rows must be positive")
        self.dim = dim
        self.exact_limit = exact_limit
        self.probe_rows = probe_rows
        self._lock = threading.RLock()
        self._parts: dict[tuple[str, str], _Partition] = {}  # (tenant, user) -> its rows
        self._user: dict[str, tuple[str, str]] = {}  # id -> partition key
        self.trainings = 0  # IVF (re)trainings so far: tests check that searches never train

    def __len__(self) -> int:
        return len(self._user)

    def reset(self, rows: Iterable[tuple[str, bytes | F32, Scope, bool]] = ()) -> None:
        """Replace every row with ``rows`` (a later row of the same id wins): ``load`` with scope objects."""
        self.load(
            (ident, vec, s.tenant, s.user_id or "", s.agent_id or "", s.run_id or "", cur)
            for ident, vec, s, cur in rows
        )

    def load(self, rows: Iterable[tuple[str, bytes | F32, str, str, str, str, bool]]) -> None:
        """Replace every row with ``rows`` of (id, vector, tenant, user, agent, run, current), '' for an unset scope
        value, as a store reads them (no scope object per row). In bulk: each partition is built from arrays in one
        go and, past ``exact_limit``, trained into IVF lists here, so no search has to."""
        # Read in chunks, each chunk's blobs joined into one array at once: no Python work per row but the
        # transposes and grouping, and never every row's bytes object alive at the same time.
        ids: list[str] = []
        columns: list[list[Any]] = [[] for _ in range(5)]  # tenant, user, agent, run, current
        matrices: list[F32] = [np.zeros((0, self.dim), dtype=np.float32)]
        source = iter(rows)
        while chunk := list(itertools.islice(source, _LOAD_CHUNK)):
            chunk_ids, vecs, *rest = zip(*chunk, strict=True)
            ids.extend(chunk_ids)
            matrices.append(self._matrix(chunk_ids, vecs))
            for column, values in zip(columns, rest, strict=True):
                column.extend(values)
        matrix = np.concatenate(matrices)
        matrices.clear()  # the chunks' copies go before the partitions take theirs
        if len(set(ids)) < len(ids):  # the same id twice: its last row wins, as upserts in order would do
            last = sorted({ident: i for i, ident in enumerate(ids)}.values())
            ids, matrix = [ids[i] for i in last], matrix[last]
            columns = [[column[i] for i in last] for column in columns]
        keys: list[tuple[str, str]] = list(zip(columns[0], columns[1], strict=True))
        agent_col, run_col = np.array(columns[2], dtype=object), np.array(columns[3], dtype=object)
        current_col = np.array(columns[4], dtype=bool)
        parts: dict[tuple[str, str], _Partition] = {}
        for sel in _groups(columns[0], columns[1]):
            rows_of = ([ids[i] for i in sel], matrix[sel], agent_col[sel], run_col[sel], current_col[sel])
            parts[keys[sel[0]]] = self._trained(rows_of) if sel.size > self.exact_limit else _flat(rows_of)
        with self._lock:
            self._parts = parts
            self._user = dict(zip(ids, keys, strict=True))

    def upsert(self, ident: str, vec: bytes | F32, scope: Scope, current: bool = True) -> None:
        """Add or replace one row; the write that takes its partition past ``exact_limit`` (or doubles it since its
        lists were trained) trains them."""
        array = self._vector(ident, vec)
        user, agent, run = (value or "" for value in scope.key())
        key = (scope.tenant, user)
        with self._lock:
            if ident in self._user:
                self.remove(ident)
            part = self._parts.get(key)
            if part is None:
                part = self._parts[key] = _Partition([_Block(self.dim)])
            b = self._nearest_list(part, array)
            part.where[ident] = (b, part.blocks[b].append(ident, array, agent, run, current))
            self._user[ident] = key
            if _needs_training(part, self.exact_limit):
                self._parts[key] = self._trained(part.rows())

    def set_current(self, ident: str, current: bool) -> None:
        with self._lock:
            found = self._locate(ident)
            if found is not None:
                block, row = found
                block.current[row] = current

    def remove(self, ident: str) -> None:
        with self._lock:
            key = self._user.pop(ident, None)
            if key is None:
                return
            part = self._parts[key]
            b, row = part.where.pop(ident)
            block = part.blocks[b]
            block.live[row] = False
            block.dead += 1
            if block.n > 1024 and block.dead > block.n // 2:
                part.blocks[b], kept = block.compacted()
                part.where.update((kept_id, (b, r)) for r, kept_id in enumerate(kept))
            if not part.where:
                del self._parts[key]

    def search(self, query: F32, scope: Scope, k: int, current_only: bool) -> list[tuple[str, float]]:
        """Top-k (id, cosine) among live rows visible under ``scope``; ties broken by id for stable order."""
        if k <= 0:
            return []
        _, agent, run = scope.key()
        q = np.asarray(query, dtype=np.float32)
        hits: list[tuple[float, str]] = []
        with self._lock:
            for part in self._visible(scope):
                hits.extend(self._search_partition(part, q, k, agent, run, current_only))
        return _best(hits, k)

    def search_many(
        self, queries: Sequence[F32], scope: Scope, k: int, current_only: bool
    ) -> list[list[tuple[str, float]]]:
        """``search`` for each query: the i-th list holds its top k. A flat partition's blocks are scored for every
        query in one matrix product (the write path's candidates for a whole episode); an IVF partition, whose
        lists are probed in an order each query decides, is searched query by query."""
        if k <= 0 or not len(queries):
            return [[] for _ in queries]
        _, agent, run = scope.key()
        matrix = np.stack([np.asarray(q, dtype=np.float32) for q in queries])
        hits: list[list[tuple[float, str]]] = [[] for _ in queries]
        with self._lock:
            for part in self._visible(scope):
                if part.centroids is not None:
                    for i, q in enumerate(matrix):
                        hits[i].extend(self._search_partition(part, q, k, agent, run, current_only))
                    continue
                for block in part.blocks:
                    for i, found in enumerate(_top_many(block, matrix, k, block.mask(agent, run, current_only))):
                        hits[i].extend(found)
        return [_best(h, k) for h in hits]

    def scores(self, ids: Iterable[str], query: F32) -> dict[str, float]:
        """Exact cosine for the given ids (those the index holds), whatever their scope or currency, in the order
        given. The rows are gathered block by block with one fancy index each (a walk through hubs asks for
        thousands of relations at once)."""
        wanted = list(ids)
        q = np.asarray(query, dtype=np.float32)
        found: dict[str, float] = {}
        with self._lock:
            groups: dict[tuple[tuple[str, str], int], tuple[list[str], list[int]]] = {}
            users, parts = self._user, self._parts
            for ident in wanted:  # ``_locate`` inlined: this loop runs for every relation a walk meets
                key = users.get(ident)
                if key is None:
                    continue
                b, row = parts[key].where[ident]
                group = groups.get((key, b))
                if group is None:
                    group = groups[key, b] = ([], [])
                group[0].append(ident)
                group[1].append(row)
            for (key, b), (idents, rows) in groups.items():
                block = parts[key].blocks[b]
                found.update(zip(idents, cosines(block.vecs[np.asarray(rows, dtype=np.intp)], q).tolist(), strict=True))
        return {ident: found[ident] for ident in wanted if ident in found}

    def ann_partitions(self) -> int:
        """How many partitions are searched through IVF lists rather than exactly (for tests and benchmarks)."""
        with self._lock:
            return sum(1 for part in self._parts.values() if part.centroids is not None)

    # -- internals -------------------------------------------------------------------------------------------------
    def _matrix(self, ids: Sequence[str], vecs: Sequence[bytes | F32]) -> F32:
        """Rows of vectors as one matrix: stored blobs joined and read in one go, other vectors checked one by one."""
        if set(map(type, vecs)) == {bytes}:
            blobs: Sequence[bytes] = vecs  # type: ignore[assignment]  # all bytes, checked just above
            if set(map(len, blobs)) == {4 * self.dim}:
                return np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), self.dim)
        return np.stack([self._vector(ident, vec) for ident, vec in zip(ids, vecs, strict=True)])

    def _vector(self, ident: str, vec: bytes | F32) -> F32:
        array = np.frombuffer(vec, dtype=np.float32) if isinstance(vec, bytes) else np.asarray(vec, np.float32)
        if array.shape != (self.dim,):
            raise ValueError(f"vector for {ident!r} has shape {array.shape}, index expects ({self.dim},)")
        return array

    def _visible(self, scope: Scope) -> list[_Partition]:
        """The partitions a read scope sees: its user's in its tenant, or every one of its tenant when the scope
        names no user."""
        user = scope.key()[0]
        if user is None:
            return [part for (tenant, _), part in self._parts.items() if tenant == scope.tenant]
        key = (scope.tenant, user)
        return [self._parts[key]] if key in self._parts else []

    def _locate(self, ident: str) -> tuple[_Block, int] | None:
        key = self._user.get(ident)
        if key is None:
            return None
        part = self._parts[key]
        b, row = part.where[ident]
        return part.blocks[b], row

    @staticmethod
    def _nearest_list(part: _Partition, vec: F32) -> int:
        return 0 if part.centroids is None else int(np.argmax(part.centroids @ vec))

    def _search_partition(
        self, part: _Partition, q: F32, k: int, agent: str | None, run: str | None, current_only: bool
    ) -> list[tuple[float, str]]:
        """Every block of a flat partition; for IVF, the nearest lists until ``probe_rows`` rows were seen and at
        least k of them passed the agent/run/currency mask (a narrow filter makes it probe further)."""
        order = range(len(part.blocks)) if part.centroids is None else np.argsort(-(part.centroids @ q), kind="stable")
        hits: list[tuple[float, str]] = []
        seen = visible = 0
        for b in order:
            block = part.blocks[int(b)]
            mask = block.mask(agent, run, current_only)
            hits.extend(_top(block, q, k, mask))
            seen += block.n
            visible += int(mask.sum())
            if part.centroids is not None and seen >= self.probe_rows and visible >= k:
                break
        return hits

    def _trained(self, rows: _Rows) -> _Partition:
        """IVF lists for a partition's rows: about sqrt(n) spherical k-means lists, each one contiguous block."""
        ids, matrix, agents, runs, current = rows
        centroids = _spherical_kmeans(matrix, max(2, round(math.sqrt(len(ids)))))
        assignment = _assign(matrix, centroids)
        order = np.argsort(assignment, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(np.bincount(assignment, minlength=centroids.shape[0]))])
        blocks: list[_Block] = []
        where: dict[str, tuple[int, int]] = {}
        for b in range(centroids.shape[0]):
            sel = order[bounds[b] : bounds[b + 1]]
            block_ids = [ids[i] for i in sel]
            blocks.append(_Block.of(block_ids, matrix[sel], agents[sel], runs[sel], current[sel]))
            where.update(zip(block_ids, zip(itertools.repeat(b), range(len(block_ids))), strict=False))
        self.trainings += 1
        return _Partition(blocks, centroids, len(ids), where)


def _groups(tenants: Sequence[str], users: Sequence[str]) -> list[npt.NDArray[np.intp]]:
    """The positions of each (tenant, user)'s rows, ascending, grouped by sorting in numpy (a Python loop over
    every row was a quarter of a 100k-row load)."""
    if not tenants:
        return []
    _, tenant_codes = np.unique(np.array(tenants, dtype=str), return_inverse=True)
    users_seen, user_codes = np.unique(np.array(users, dtype=str), return_inverse=True)
    codes = tenant_codes.astype(np.int64) * len(users_seen) + user_codes
    order = np.argsort(codes, kind="stable")
    starts = np.flatnonzero(np.diff(codes[order])) + 1
    return np.split(order, starts)


def _needs_training(part: _Partition, exact_limit: int) -> bool:
    """Past the limit and never trained, or doubled since the lists were last built."""
    live = len(part.where)
    return live > exact_limit and (part.centroids is None or live >= 2 * part.trained_at)


def _flat(rows: _Rows) -> _Partition:
    """A partition searched exactly: one block of every row."""
    ids, matrix, agents, runs, current = rows
    where = dict(zip(ids, zip(itertools.repeat(0), range(len(ids))), strict=False))
    return _Partition([_Block.of(ids, matrix, agents, runs, current)], where=where)


def _top(block: _Block, q: F32, k: int, mask: npt.NDArray[np.bool_]) -> list[tuple[float, str]]:
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return []
    return _select(block, block.vecs[: block.n] @ q, rows, k)  # the contiguous prefix, no gather


def _top_many(block: _Block, queries: F32, k: int, mask: npt.NDArray[np.bool_]) -> list[list[tuple[float, str]]]:
    """``_top`` for each row of ``queries``, the block scored against all of them in one matrix product."""
    rows = np.flatnonzero(mask)
    if rows.size == 0:
        return [[] for _ in range(queries.shape[0])]
    scores = block.vecs[: block.n] @ queries.T
    return [_select(block, column, rows, k) for column in scores.T]


def _select(block: _Block, scores: F32, rows: npt.NDArray[np.intp], k: int) -> list[tuple[float, str]]:
    """At most k of the visible ``rows`` with the best of one query's ``scores`` over the block's prefix (unordered:
    ``_best`` orders what every block found)."""
    if rows.size < block.n:
        scores = scores[rows]
    ids = block.ids
    picked = _best_rows(scores, k, lambda i: ids[rows[i]], lambda tied: block.ranks()[rows[tied]])
    return [(float(scores[i]), ids[rows[i]]) for i in picked]


def _best_rows(
    scores: F32,
    k: int,
    id_of: Callable[[int], str],
    ranks_of: Callable[[npt.NDArray[np.intp]], npt.NDArray[np.intp]] | None = None,
) -> list[int]:
    """Positions of the k best ``scores``, a tie at the cut going to the smallest ids (``id_of(position)``), as
    ``_best`` orders them, not to wherever ``argpartition`` left the rows. Relations of one type share a vector, so
    a tie may hold thousands of rows: a large one is cut by the rows' id ranks (``ranks_of``) in one selection,
    a small one by comparing its ids."""
    if scores.size <= k:
        return list(range(scores.size))
    kth = np.partition(scores, scores.size - k)[scores.size - k]
    better = np.flatnonzero(scores > kth).tolist()
    tied = np.flatnonzero(scores == kth)
    need = k - len(better)
    if tied.size <= need:
        return better + tied.tolist()
    if ranks_of is not None and tied.size > _RANKED_TIE:
        first: list[int] = tied[np.argpartition(ranks_of(tied), need - 1)[:need]].tolist()
        return better + first
    return better + heapq.nsmallest(need, tied.tolist(), key=id_of)


def cosines(rows: F32, query: F32) -> F32:
    """Each row's dot product with ``query``, the same for a row whichever other rows come with it: BLAS's
    matrix-vector product sums in an order that depends on how many rows it is given (a memory's ``similarity``
    changed in the 6th decimal with the ids asked beside it, and between an index and a table read). The exact
    cosines a store reports (``similarity``) go through here; the searches' ranking keeps the faster product."""
    out: F32 = np.einsum("ij,j->i", rows, query)
    return out


def scan_top(chunks: Iterable[tuple[list[str], F32]], queries: F32, k: int) -> list[list[tuple[str, float]]]:
    """Exact top-k (id, cosine) for each row of ``queries`` over rows that arrive in chunks of (ids, vectors),
    ranked as ``VectorIndex.search`` ranks (ties by id): a store answers from its tables with it while its index
    is not loaded yet, holding one chunk at a time."""
    hits: list[list[tuple[float, str]]] = [[] for _ in range(queries.shape[0])]
    if k <= 0:
        return [[] for _ in hits]
    for ids, vecs in chunks:
        scores = vecs @ queries.T
        for found, column in zip(hits, scores.T, strict=True):
            found.extend((float(column[i]), ids[i]) for i in _best_rows(column, k, ids.__getitem__))
    return [_best(found, k) for found in hits]


_RANKED_TIE = 256  # tied rows at a cut above which the block's id ranks are used (``_best_rows``)


def _best(hits: list[tuple[float, str]], k: int) -> list[tuple[str, float]]:
    """The k best (id, score) of what the blocks found, ties broken by id for a stable order."""
    hits.sort(key=lambda t: (-t[0], t[1]))
    return [(ident, score) for score, ident in hits[:k]]


def _spherical_kmeans(matrix: F32, n_lists: int) -> F32:
    """Unit-norm centroids from a seeded sample: cosine k-means, empty lists re-seeded from sample rows."""
    rng = np.random.default_rng(_SEED)
    sample_size = min(matrix.shape[0], n_lists * _KMEANS_SAMPLE_PER_LIST)
    sample = matrix[np.sort(rng.choice(matrix.shape[0], sample_size, replace=False))]
    centroids = sample[rng.choice(sample_size, n_lists, replace=False)].copy()
    for _ in range(_KMEANS_ITERATIONS):
        labels = _assign(sample, centroids)
        sums = np.zeros_like(centroids)
        np.add.at(sums, labels, sample)
        counts = np.bincount(labels, minlength=n_lists)
        empty = np.flatnonzero(counts == 0)
        sums[empty] = sample[rng.choice(sample_size, empty.size, replace=False)]
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        centroids = (sums / np.maximum(norms, 1e-12)).astype(np.float32)
    return np.asarray(centroids, dtype=np.float32)


def _assign(matrix: F32, centroids: F32, chunk: int = 16_384) -> npt.NDArray[np.intp]:
    return np.concatenate(
        [np.argmax(matrix[i : i + chunk] @ centroids.T, axis=1) for i in range(0, matrix.shape[0], chunk)]
    )


def _resize(array: npt.NDArray[G], rows: int) -> npt.NDArray[G]:
    grown = np.zeros((rows, *array.shape[1:]), dtype=array.dtype)
    grown[: array.shape[0]] = array
    return grown
