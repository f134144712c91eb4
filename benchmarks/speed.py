"""Speed benchmark: ingest throughput, search latency and memory at 10k-1M memories, embedded and Neo4j.

    OPENBLAS_NUM_THREADS=1 python benchmarks/speed.py --sizes 10000,100000 --backend both \\
        --neo4j-uri bolt://127.0.0.1:17690 --queries 200 --json speed.json

Phases per (backend, size), on seeded synthetic data (``benchmarks/synthetic.py``):
  1. ``add_triples`` of every user's entity graph (chunks of <= 500 triples per call), timed end to end; the time
     spent inside the embedder is measured by a wrapper and reported apart.
  2. bulk memories: texts embedded in batches with the local embedder (cached on disk between runs), then written
     through the store's public ``apply(WritePlan)`` (one episode per user, 1,000 memories per plan, with mention
     links to the user's entities). ``Memory.add(infer=False)`` embeds one text per call (~5-10 ms each), so 100k
     of them would take 15+ minutes on 2 cores; the store path times the write itself.
  3. offline ``add`` (rule extractor) on a sample of rule-shaped sentences.
  4. ``add(infer=False)`` of short texts, one per call (embedding included): the raw write path (``--raw-adds``).
  5. ``search`` latency over random users (drawn in proportion to their history), default search config; the
     query embedding is timed apart (once by hand, and inside ``search`` by the wrapper), and every search's time
     is split into phases (``recall.search.timing_phases``: query embedding, filter, each lane, relations,
     evidence, fusion, rerank), reported as p50/p95/p99 per phase.
  6. filtered search in the largest scope: a metadata filter that keeps 1% of it vs the same queries unfiltered
     (``--filtered-queries``; every bulk memory carries ``metadata.bucket`` = its index mod 100).
  7. ``--threads`` threads searching one store vs one thread: throughput ratio (``--thread-queries``).
  8. the first search after reopening the store vs warm searches in the same scope (``--cold-warm``).
Peak RSS (``ru_maxrss``, a high-water mark: it never goes down) is read after each phase.

``--kg PATH`` measures a real knowledge graph instead of the synthetic sizes: the ``subj|rel|obj`` triples of PATH
(the MetaQA KB) go through ``add_triples`` into one scope, then searches drawn from its questions (``--kg-questions``,
a seeded sample spread across hops and question types) run with ``max_hops`` 3 (``--kg-max-hops``) and are timed
as above, with the ratio of search p95 to one query embedding measured in the same run. ``--reuse`` with
``--workdir`` skips the load when a previous run left the store there.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from hashlib import sha1
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_data import MetaQAQuestion, load_triples, read_metaqa_questions
from report import machine
from synthetic import Dataset, generate, queries, rule_sentences

from graphmem import Memory
from graphmem.ingest.plan import derived_id, text_hash
from graphmem.models import Episode, MemoryRecord, Message, Scope, normalize_name
from graphmem.providers.local_minilm import LocalMiniLM
from graphmem.recall.search import PhaseClock, timing_phases
from graphmem.stores.base import WritePlan

TARGETS = {  # (metric, backend, size) -> (target, "max" | "min")
    ("search_p95_ms", "embedded", 100_000): (25.0, "max"),
    ("search_p95_ms", "embedded", 1_000_000): (80.0, "max"),
    ("search_p95_ms", "neo4j", 100_000): (60.0, "max"),
    ("add_triples_per_s", "embedded", None): (20_000.0, "min"),
    ("add_triples_per_s", "neo4j", None): (5_000.0, "min"),
    ("kg_search_p95_ms", "embedded", None): (100.0, "max"),
    ("kg_search_p95_ms", "neo4j", None): (150.0, "max"),
    ("kg_embed_ratio", "embedded", None): (10.0, "max"),
    ("raw_adds_per_s", "embedded", None): (150.0, "min"),
    ("threads_ratio", "embedded", None): (1.6, "min"),
    ("threads_ratio", "neo4j", None): (1.6, "min"),
    ("cold_ratio", "embedded", 100_000): (3.0, "max"),
    ("cold_ratio", "neo4j", 100_000): (3.0, "max"),
    ("filtered_ratio", "embedded", None): (1.5, "max"),
    ("filtered_ratio", "neo4j", None): (1.5, "max"),
}
# Phases ``recall.search`` laps, in the order a search runs them (a phase that did not run counts as 0 ms).
PHASES = ("query", "filter", "vector", "bm25", "link", "walk", "mentions", "relations", "evidence", "fusion", "rerank")
FILTER_BUCKETS = 100  # bulk memory j of a user carries metadata.bucket = j % FILTER_BUCKETS: one bucket is 1%
KG_USER = "kb"
TRIPLE_CHUNK = 500
PLAN_CHUNK = 1000


class TimedEmbedder:
    """Wraps the local embedder: counts texts and seconds spent computing embeddings; optional memo of vectors."""

    def __init__(self, inner: LocalMiniLM) -> None:
        self.inner = inner
        self.dim = inner.dim
        self.name = inner.name
        self.seconds = 0.0
        self.texts = 0
        self.calls = 0

    def reset(self) -> None:
        self.seconds, self.texts, self.calls = 0.0, 0, 0

    def embed(self, texts: list[str]) -> np.ndarray[Any, np.dtype[np.float32]]:
        start = time.perf_counter()
        out = self.inner.embed(texts)
        self.seconds += time.perf_counter() - start
        self.texts += len(texts)
        self.calls += 1
        return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100.0 * len(ordered) + 0.5) - 1))]


@contextmanager
def profiled(enabled: bool, title: str, sink: list[str], top: int = 18) -> Iterator[None]:
    if not enabled:
        yield
        return
    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        buf = io.StringIO()
        stats = pstats.Stats(prof, stream=buf).strip_dirs()
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
        sink.append(f"==== cProfile: {title} ====\n{buf.getvalue()}")


# -- embeddings of the bulk memories, cached on disk ---------------------------------------------------------------
def embed_texts(embedder: LocalMiniLM, texts: list[str], cache_dir: Path, batch: int = 256) -> tuple[np.ndarray, float]:
    """Vectors for the texts (rows in order) and the seconds spent computing the ones not cached."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    key = sha1("\n".join(texts).encode()).hexdigest()[:16]
    path = cache_dir / f"memvec-{len(texts)}-{key}.npy"
    if path.exists():
        return np.load(path), 0.0
    out = np.empty((len(texts), embedder.dim), np.float32)
    start = time.perf_counter()
    for i in range(0, len(texts), batch):
        out[i : i + batch] = embedder.embed(texts[i : i + batch])
        done = min(i + batch, len(texts))
        if done % (batch * 40) == 0 or done == len(texts):
            rate = done / (time.perf_counter() - start)
            print(f"    embedded {done}/{len(texts)} memory texts ({rate:.0f}/s)", flush=True)
    seconds = time.perf_counter() - start
    np.save(path, out)
    return out, seconds


def random_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    """Seeded random unit vectors: for latency-only runs where embedding N texts locally is out of time (the exact
    vector lane's cost, a matrix product over the scope's rows, does not depend on the values)."""
    out = np.random.default_rng(seed).standard_normal((n, dim), dtype=np.float32)
    out /= np.linalg.norm(out, axis=1, keepdims=True)
    return out


@dataclass
class Result:
    backend: str
    size: int
    figures: dict[str, Any] = field(default_factory=dict)


def open_memory(
    backend: str,
    size: int,
    workdir: Path,
    neo4j_uri: str,
    embedder: TimedEmbedder,
    fresh: bool = True,
    name: str | None = None,
    search: dict[str, Any] | None = None,
) -> Memory:
    """A Memory on the backend; ``fresh`` empties the store first (else it is reopened as a previous phase or run
    left it); ``name`` names the embedded file (default ``speed-<size>``); ``search`` overrides search config."""
    if backend == "embedded":
        path = workdir / f"{name or f'speed-{size}'}.db"
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        cfg: dict[str, Any] = {"graph_store": {"provider": "embedded", "config": {"path": str(path)}}}
    else:
        cfg = {"graph_store": {"provider": "neo4j", "config": {"url": neo4j_uri}}}
    if search:
        cfg["search"] = search
    m = Memory(cfg, embedder=embedder)
    if backend == "neo4j" and fresh:
        m.reset()
    return m


def phase_triples(m: Memory, ds: Dataset, emb: TimedEmbedder, prof: bool, sink: list[str]) -> dict[str, Any]:
    emb.reset()
    n = 0
    start = time.perf_counter()
    biggest = max(ds.users, key=lambda u: len(u.triples))
    for user in ds.users:
        for i in range(0, len(user.triples), TRIPLE_CHUNK):
            chunk = user.triples[i : i + TRIPLE_CHUNK]
            with profiled(prof and user is biggest and i == 0, f"add_triples ({len(chunk)} triples)", sink):
                m.add_triples(chunk, user_id=user.user_id)
            n += len(chunk)
    total = time.perf_counter() - start
    rest = total - emb.seconds
    return {
        "triples": n,
        "seconds": total,
        "triples_per_s": n / total,
        "embed_seconds": emb.seconds,
        "embed_texts": emb.texts,
        "embed_texts_per_s": emb.texts / emb.seconds if emb.seconds else None,
        "triples_per_s_excl_embed": n / rest if rest > 0 else None,
        "embed_share": emb.seconds / total,
        "rss_mb": peak_rss_mb(),
    }


def phase_bulk(m: Memory, ds: Dataset, vectors: np.ndarray) -> dict[str, Any]:
    store = m.store
    row = 0
    start = time.perf_counter()
    lookup_s = 0.0
    now = datetime.now(timezone.utc)
    for user in ds.users:
        scope = Scope(user_id=user.user_id)
        episode = Episode(
            id=str(uuid.uuid4()),
            scope=scope,
            messages=[Message(role="data", content="bulk")],
            source="raw",
            created_at=now,
        )
        store.write_episode(episode)
        t = time.perf_counter()
        names = sorted({normalize_name(n) for _, ms in user.memories for n in ms})
        found = store.find_entities(scope, names) if names else {}
        lookup_s += time.perf_counter() - t
        for i in range(0, len(user.memories), PLAN_CHUNK):
            plan = WritePlan(episode_id=episode.id)
            for j, (text, mentioned) in enumerate(user.memories[i : i + PLAN_CHUNK], start=i):
                mid = derived_id(episode.id, "bulk", str(j))
                plan.memories.append(
                    MemoryRecord(
                        id=mid,
                        text=text,
                        hash=text_hash(text),
                        scope=scope,
                        created_at=now,
                        episode_ids=[episode.id],
                        metadata={"bucket": j % FILTER_BUCKETS},
                        embedding=vectors[row].tolist(),
                    )
                )
                row += 1
                for name in mentioned:
                    entity = found.get(normalize_name(name))
                    if entity is not None:
                        plan.mentions.append((mid, entity.id))
            store.apply(plan)
    total = time.perf_counter() - start
    return {
        "memories": row,
        "seconds": total,
        "memories_per_s": row / total,
        "entity_lookup_seconds": lookup_s,
        "rss_mb": peak_rss_mb(),
    }


def phase_add(m: Memory, ds: Dataset, emb: TimedEmbedder, n: int, seed: int, *, infer: bool = True) -> dict[str, Any]:
    """``n`` adds of short rule-shaped sentences, one per call: with ``infer`` the offline rule extractor, without it
    the raw write path (the text embedded and stored verbatim); the embedding is timed apart."""
    rng = random.Random(seed + (1 if infer else 3))
    users = rng.choices(ds.users, weights=[len(u.memories) for u in ds.users], k=n)
    items = [(u.user_id, rule_sentences(rng, u, 1)[0]) for u in users]
    emb.reset()
    times = []
    start = time.perf_counter()
    for user_id, text in items:
        t = time.perf_counter()
        m.add(text, user_id=user_id, infer=infer)
        times.append(time.perf_counter() - t)
    total = time.perf_counter() - start
    return {
        "adds": n,
        "seconds": total,
        "adds_per_s": n / total,
        "p50_ms": 1000 * statistics.median(times),
        "p95_ms": 1000 * pct(times, 95),
        "embed_seconds": emb.seconds,
        "embed_share": emb.seconds / total,
        "adds_per_s_excl_embed": n / (total - emb.seconds) if total > emb.seconds else None,
        "rss_mb": peak_rss_mb(),
    }


@dataclass
class Timed:
    """One timed search: its total, the embedding inside it (wrapper), the query embedded once by hand just before
    (the "one query embedding in the same run"), its phases (ms) and how many results it returned."""

    total_ms: float
    inner_embed_ms: float
    own_embed_ms: float
    phases: dict[str, float]
    results: int
    relations: int


def timed_search(m: Memory, emb: TimedEmbedder, user_id: str, q: str, **kwargs: Any) -> Timed:
    t = time.perf_counter()
    emb.inner.embed([q])
    own = 1000 * (time.perf_counter() - t)
    emb.reset()
    with timing_phases(PhaseClock()) as clock:
        t = time.perf_counter()
        out = m.search(q, user_id=user_id, **kwargs)
        total = 1000 * (time.perf_counter() - t)
    phases = {k: 1000 * v for k, v in clock.seconds.items()}
    return Timed(total, 1000 * emb.seconds, own, phases, len(out["results"]), len(out.get("relations", [])))


def summarize(samples: list[Timed]) -> dict[str, Any]:
    """Latency percentiles of the searches, without their embedding, of the hand-timed query embedding, and per
    phase (a phase a search skipped counts as 0 ms in it)."""
    total = [s.total_ms for s in samples]
    excl = [s.total_ms - s.inner_embed_ms for s in samples]
    own = [s.own_embed_ms for s in samples]
    seen = {k for s in samples for k in s.phases}
    phases = {}
    for name in [p for p in PHASES if p in seen] + sorted(seen - set(PHASES)):
        values = [s.phases.get(name, 0.0) for s in samples]
        phases[name] = {
            "p50_ms": statistics.median(values),
            "p95_ms": pct(values, 95),
            "p99_ms": pct(values, 99),
            "mean_ms": statistics.fmean(values),
            "share_of_mean": statistics.fmean(values) / statistics.fmean(total),
        }
    return {
        "queries": len(samples),
        "p50_ms": statistics.median(total),
        "p95_ms": pct(total, 95),
        "p99_ms": pct(total, 99),
        "mean_ms": statistics.fmean(total),
        "excl_embed_p50_ms": statistics.median(excl),
        "excl_embed_p95_ms": pct(excl, 95),
        "excl_embed_p99_ms": pct(excl, 99),
        "query_embed_p50_ms": statistics.median(own),
        "query_embed_p95_ms": pct(own, 95),
        "p95_over_query_embed": pct(total, 95) / statistics.median(own),
        "embed_share_of_mean": statistics.fmean(s.inner_embed_ms for s in samples) / statistics.fmean(total),
        "mean_results": statistics.fmean(s.results for s in samples),
        "mean_relations": statistics.fmean(s.relations for s in samples),
        "phases": phases,
    }


def phase_search(
    m: Memory, ds: Dataset, emb: TimedEmbedder, n: int, seed: int, prof: bool, sink: list[str]
) -> dict[str, Any]:
    rng = random.Random(seed + 2)
    qs = queries(rng, ds, n)
    sizes = {u.user_id: len(u.memories) for u in ds.users}
    for user_id, q in qs[:5]:  # warm-up: model, caches, per-scope indexes
        m.search(q, user_id=user_id)
    samples: list[Timed] = []
    by_bucket: dict[str, list[float]] = {}
    for user_id, q in qs:
        sample = timed_search(m, emb, user_id, q)
        samples.append(sample)
        size = sizes[user_id]
        bucket = "<100" if size < 100 else "100-999" if size < 1000 else ">=1000"
        by_bucket.setdefault(bucket, []).append(sample.total_ms)
    if prof:
        big = max(ds.users, key=lambda u: len(u.memories)).user_id
        sample_qs = [q for _, q in qs[:20]]
        with profiled(True, f"20 searches in the largest scope ({sizes[big]} memories)", sink):
            for q in sample_qs:
                m.search(q, user_id=big)
    out = summarize(samples)
    out["p95_by_scope_size_ms"] = {k: (len(v), pct(v, 95)) for k, v in sorted(by_bucket.items())}
    out["rss_mb"] = peak_rss_mb()
    return out


def largest_scope_queries(ds: Dataset, n: int, seed: int) -> tuple[str, list[str]]:
    """The largest user and ``n`` synthetic queries for it (the generator's words, some naming its entities)."""
    big = max(ds.users, key=lambda u: len(u.memories))
    return big.user_id, [q for _, q in queries(random.Random(seed), Dataset(users=[big], seed=ds.seed), n)]


def phase_filtered(m: Memory, ds: Dataset, emb: TimedEmbedder, n: int, seed: int) -> dict[str, Any]:
    """The same queries in the largest scope with a filter that keeps 1% of it (one ``bucket``) and without,
    interleaved so that load on the machine hits both alike; the filtered answers are checked to pass the filter."""
    user_id, qs = largest_scope_queries(ds, n, seed + 4)
    scope_size = max(len(u.memories) for u in ds.users)
    flt = {"bucket": 7}
    for q in qs[:3]:  # warm-up of both paths
        m.search(q, user_id=user_id)
        m.search(q, user_id=user_id, filters=flt)
    plain: list[Timed] = []
    filtered: list[Timed] = []
    wrong = 0
    for q in qs:
        plain.append(timed_search(m, emb, user_id, q))
        filtered.append(timed_search(m, emb, user_id, q, filters=flt))
        out = m.search(q, user_id=user_id, filters=flt, limit=3)
        wrong += sum(1 for r in out["results"] if (r.get("metadata") or {}).get("bucket") != 7)
    p, f = summarize(plain), summarize(filtered)
    return {
        "scope_memories": scope_size,
        "kept": sum(1 for j in range(scope_size) if j % FILTER_BUCKETS == 7),
        "queries": n,
        "unfiltered_p95_ms": p["p95_ms"],
        "filtered_p50_ms": f["p50_ms"],
        "filtered_p95_ms": f["p95_ms"],
        "ratio_p95": f["p95_ms"] / p["p95_ms"],
        "results_failing_filter": wrong,
        "filtered_phases": f["phases"],
    }


def phase_threads(m: Memory, ds: Dataset, n: int, threads: int, seed: int) -> dict[str, Any]:
    """Throughput of ``threads`` threads sharing one Memory vs one thread, on the same queries."""
    qs = queries(random.Random(seed + 5), ds, n)
    for user_id, q in qs:  # every query once untimed, so both sides find the same caches warm
        m.search(q, user_id=user_id)

    def one(item: tuple[str, str]) -> None:
        m.search(item[1], user_id=item[0])

    start = time.perf_counter()
    for item in qs:
        one(item)
    single = time.perf_counter() - start
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, qs[:threads]))  # start the threads (and their connections) outside the timing
        start = time.perf_counter()
        list(pool.map(one, qs))
        many = time.perf_counter() - start
    return {
        "threads": threads,
        "queries": n,
        "one_thread_qps": n / single,
        "threads_qps": n / many,
        "ratio": single / many,
    }


def phase_cold(backend: str, ds: Dataset, args: argparse.Namespace, emb: TimedEmbedder, warm: int) -> dict[str, Any]:
    """Reopen the store (a new Memory on the same file or server: the embedder stays loaded) and time the first
    search in the largest scope against ``warm`` searches after it."""
    user_id, qs = largest_scope_queries(ds, warm + 1, ds.seed + 6)
    t = time.perf_counter()
    m = open_memory(backend, ds.n_memories, Path(args.workdir), args.neo4j_uri, emb, fresh=False)
    open_s = time.perf_counter() - t
    try:
        first = timed_search(m, emb, user_id, qs[0])
        rest = [timed_search(m, emb, user_id, q).total_ms for q in qs[1:]]
    finally:
        m.close()
    warm_p50 = statistics.median(rest)
    return {
        "open_ms": 1000 * open_s,
        "first_ms": first.total_ms,
        "first_phases": first.phases,
        "warm_p50_ms": warm_p50,
        "ratio": first.total_ms / warm_p50,
    }


def query_plans(m: Memory, ds: Dataset) -> str:
    """EXPLAIN every query one search in the largest scope sends (Neo4j): each query's plan operators, depth first,
    and its seeks, scans and procedure calls, so a scan or a lost index shows at a glance."""
    from graphmem.stores.neo4j import Neo4jStore

    store = m.store
    if not isinstance(store, Neo4jStore):
        return "query plans: Neo4j only"
    big = max(ds.users, key=lambda u: len(u.memories))
    name = big.entities[0][0] if big.entities else "Alice"
    text = f"What do I know about {name} and coffee?"
    with store.trace_reads() as traced:
        m.search(text, user_id=big.user_id)
    lines = [f"==== query plans: one search in the largest scope ({big.user_id}, {len(big.memories)} memories): "
             f"{text!r} ===="]  # fmt: skip
    seen: set[str] = set()
    for query, params, sent in traced:
        if query in seen:
            continue
        seen.add(query)
        plan = store.explain(query, params, sent)
        lines.append(f"{query}: {' > '.join(op for op, _ in plan)}")
        for op, details in plan:
            if "Seek" in op or "Scan" in op or "CountStore" in op or op == "ProcedureCall":
                lines.append(f"    {op}: {' '.join(details.split())[:150]}")
    lines.append(f"{len(traced)} queries ({len(seen)} distinct) for one search")
    return "\n".join(lines)


def store_bytes(workdir: Path, size: int) -> int:
    base = workdir / f"speed-{size}.db"
    return sum(p.stat().st_size for p in (Path(f"{base}{s}") for s in ("", "-wal", "-shm")) if p.exists())


def run_one(backend: str, ds: Dataset, vectors: np.ndarray, args: argparse.Namespace, sink: list[str]) -> Result:
    size = ds.n_memories
    emb = TimedEmbedder(LocalMiniLM())
    emb.inner.embed(["warm up"])
    res = Result(backend, size)
    workdir = Path(args.workdir)
    m = open_memory(backend, size, workdir, args.neo4j_uri, emb)
    try:
        print(f"  [{backend} {size}] add_triples ({ds.n_triples} triples) ...", flush=True)
        res.figures["add_triples"] = phase_triples(m, ds, emb, args.profile, sink)
        print(f"  [{backend} {size}] bulk memories via store.apply ...", flush=True)
        res.figures["bulk"] = phase_bulk(m, ds, vectors)
        print(f"  [{backend} {size}] {args.adds} offline adds ...", flush=True)
        res.figures["add"] = phase_add(m, ds, emb, args.adds, ds.seed)
        if args.raw_adds:
            print(f"  [{backend} {size}] {args.raw_adds} add(infer=False) of short texts ...", flush=True)
            res.figures["raw_adds"] = phase_add(m, ds, emb, args.raw_adds, ds.seed, infer=False)
        print(f"  [{backend} {size}] {args.queries} searches ...", flush=True)
        res.figures["search"] = phase_search(m, ds, emb, args.queries, ds.seed, args.profile, sink)
        if args.filtered_queries:
            print(f"  [{backend} {size}] {args.filtered_queries} filtered vs unfiltered searches ...", flush=True)
            res.figures["filtered"] = phase_filtered(m, ds, emb, args.filtered_queries, ds.seed)
        if args.threads:
            print(f"  [{backend} {size}] {args.thread_queries} searches, 1 vs {args.threads} threads ...", flush=True)
            res.figures["threads"] = phase_threads(m, ds, args.thread_queries, args.threads, ds.seed)
        if args.plans:
            print(query_plans(m, ds), flush=True)
        m.close()
        if backend == "embedded":
            res.figures["store_mb"] = store_bytes(workdir, size) / 1e6
        if args.cold_warm:
            print(f"  [{backend} {size}] first search after reopening vs {args.cold_warm} warm ...", flush=True)
            res.figures["cold"] = phase_cold(backend, ds, args, emb, args.cold_warm)
    finally:
        m.close()
    return res


# -- --kg: a real knowledge graph (the MetaQA KB) ------------------------------------------------------------------
def kg_question_files(kg: Path, given: str | None) -> list[Path]:
    if given:
        return [Path(p) for p in given.split(",") if p]
    return [kg.parent / f"metaqa_{hop}hop_dev.jsonl" for hop in (1, 2, 3)]


def sample_questions(files: list[Path], n: int, seed: int) -> list[MetaQAQuestion]:
    """A seeded sample of ``n`` questions spread evenly across the files (hops) and, within each, across question
    types: groups in a seeded order, taken round-robin, so a hop or type with many questions does not crowd out the
    rest (hub-heavy types such as genre or year questions are few but are where the walk is slow)."""
    rng = random.Random(seed)

    def interleave(groups: list[list[MetaQAQuestion]]) -> list[MetaQAQuestion]:
        out: list[MetaQAQuestion] = []
        for i in range(max((len(g) for g in groups), default=0)):
            out += [g[i] for g in groups if i < len(g)]
        return out

    per_file = []
    for hop, path in enumerate(files, start=1):
        found, _ = read_metaqa_questions(path, hop)
        by_type: dict[str, list[MetaQAQuestion]] = {}
        for q in found:
            by_type.setdefault(q.qtype, []).append(q)
        groups = [by_type[t] for t in sorted(by_type)]
        for g in groups:
            rng.shuffle(g)
        rng.shuffle(groups)
        per_file.append(interleave(groups))
    return interleave(per_file)[:n]


def run_kg(backend: str, args: argparse.Namespace, sink: list[str]) -> Result:
    kg = Path(args.kg)
    triples = load_triples(kg)
    questions = sample_questions(kg_question_files(kg, args.kg_questions), args.queries, args.seed)
    emb = TimedEmbedder(LocalMiniLM())
    emb.inner.embed(["warm up"])
    res = Result(backend, len(triples))
    workdir = Path(args.workdir)
    name = f"kg-{kg.stem}-{sha1(str(kg.resolve()).encode()).hexdigest()[:8]}"
    done = workdir / f"{name}.loaded"  # written after a complete load: an interrupted one is not reused
    reuse = args.reuse and (backend == "neo4j" or ((workdir / f"{name}.db").exists() and done.exists()))
    search_cfg = {"max_hops": args.kg_max_hops}
    m = open_memory(backend, len(triples), workdir, args.neo4j_uri, emb, fresh=not reuse, name=name, search=search_cfg)
    try:
        if reuse:
            print(f"  [{backend} kg] reusing the store a previous run left ({len(triples):,} triples)", flush=True)
            res.figures["add_triples"] = {"triples": len(triples), "reused": True}
        else:
            print(f"  [{backend} kg] add_triples ({len(triples):,} triples, {args.kg_chunk} a call) ...", flush=True)
            done.unlink(missing_ok=True)
            emb.reset()
            start = time.perf_counter()
            for i in range(0, len(triples), args.kg_chunk):
                with profiled(args.profile and i == 0, f"add_triples ({args.kg_chunk} KB triples)", sink):
                    m.add_triples(triples[i : i + args.kg_chunk], user_id=KG_USER)
                loaded = min(i + args.kg_chunk, len(triples))
                if loaded % 25_000 < args.kg_chunk or loaded == len(triples):
                    rate = loaded / (time.perf_counter() - start)
                    print(f"    {loaded:,}/{len(triples):,} triples ({rate:,.0f}/s)", flush=True)
            total = time.perf_counter() - start
            if backend == "embedded":
                done.write_text(f"{len(triples)}\n")
            rest = total - emb.seconds
            res.figures["add_triples"] = {
                "triples": len(triples),
                "seconds": total,
                "triples_per_s": len(triples) / total,
                "embed_seconds": emb.seconds,
                "embed_texts": emb.texts,
                "triples_per_s_excl_embed": len(triples) / rest if rest > 0 else None,
                "embed_share": emb.seconds / total,
                "rss_mb": peak_rss_mb(),
            }
        print(f"  [{backend} kg] {len(questions)} searches (max_hops {args.kg_max_hops}) ...", flush=True)
        for q in questions[:5]:  # warm-up
            m.search(q.question, user_id=KG_USER)
        samples = [timed_search(m, emb, KG_USER, q.question) for q in questions]
        search = summarize(samples)
        by_hop: dict[int, list[float]] = {}
        for q, sample in zip(questions, samples, strict=True):
            by_hop.setdefault(q.hop, []).append(sample.total_ms)
        search["p95_by_hop_ms"] = {h: (len(v), pct(v, 95)) for h, v in sorted(by_hop.items())}
        search["qtypes"] = len({q.qtype for q in questions})
        search["rss_mb"] = peak_rss_mb()
        res.figures["search"] = search
        if args.profile:
            with profiled(True, f"20 KB searches (max_hops {args.kg_max_hops})", sink):
                for q in questions[:20]:
                    m.search(q.question, user_id=KG_USER)
    finally:
        m.close()
    return res


# -- reporting -----------------------------------------------------------------------------------------------------
def target_for(metric: str, backend: str, size: int) -> tuple[float, str] | None:
    return TARGETS.get((metric, backend, size)) or TARGETS.get((metric, backend, None))


def verdict(value: float | None, target: tuple[float, str] | None) -> str:
    if target is None or value is None:
        return ""
    goal, kind = target
    if kind == "max":
        if value <= goal:
            return f"<= {goal:g}: ok"
        return f"<= {goal:g}: MISSED by {value - goal:.1f} ({value / goal:.1f}x)"
    short = goal / value if value > 0 else float("inf")
    return f">= {goal:g}: ok" if value >= goal else f">= {goal:g}: MISSED, {short:.{1 if short < 10 else 0}f}x short"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def report(results: list[Result], embed_info: dict[int, dict[str, Any]], info: dict[str, Any]) -> str:
    parts = [
        "machine: " + ", ".join(f"{k}={v}" for k, v in info.items()),
    ]
    rows = []
    for r in results:
        s = r.figures["search"]
        rows.append(
            [
                r.backend,
                f"{r.size:,}",
                fmt(s["p50_ms"]),
                fmt(s["p95_ms"]),
                fmt(s["p99_ms"]),
                fmt(s["excl_embed_p95_ms"]),
                fmt(s["query_embed_p50_ms"]),
                f"{100 * s['embed_share_of_mean']:.0f}%",
                verdict(s["p95_ms"], target_for("search_p95_ms", r.backend, r.size)) or "(no target)",
            ]
        )
    parts.append(
        "\nsearch latency (ms; default config, limit 10)\n"
        + table(
            [
                "backend",
                "memories",
                "p50",
                "p95",
                "p99",
                "p95 excl embed",
                "query embed p50",
                "embed share",
                "target p95",
            ],
            rows,
        )
    )
    rows = []
    for r in results:
        t = r.figures["add_triples"]
        rows.append(
            [
                r.backend,
                f"{r.size:,}",
                f"{t['triples']:,}",
                fmt(t["triples_per_s"], ",.0f"),
                fmt(t["triples_per_s_excl_embed"], ",.0f"),
                f"{100 * t['embed_share']:.0f}%",
                fmt(t["embed_texts_per_s"], ",.0f"),
                verdict(t["triples_per_s"], target_for("add_triples_per_s", r.backend, r.size)),
            ]
        )
    parts.append(
        "\nadd_triples throughput (500 triples per call)\n"
        + table(
            [
                "backend",
                "memories",
                "triples",
                "triples/s",
                "triples/s excl embed",
                "embed share",
                "embed texts/s",
                "target",
            ],
            rows,
        )
    )
    rows = []
    for r in results:
        b, a = r.figures["bulk"], r.figures["add"]
        e = embed_info[r.size]
        rows.append(
            [
                r.backend,
                f"{r.size:,}",
                fmt(b["memories_per_s"], ",.0f"),
                fmt(e.get("texts_per_s"), ",.0f"),
                fmt(a["adds_per_s"], ".1f"),
                fmt(a["adds_per_s_excl_embed"], ".1f"),
                fmt(a["p95_ms"]),
                f"{100 * a['embed_share']:.0f}%",
            ]
        )
    title = "other ingest (bulk = store.apply of pre-embedded memories; add = offline rules, 1 sentence)"
    parts.append(
        f"\n{title}\n"
        + table(
            [
                "backend",
                "memories",
                "bulk write mem/s",
                "embed texts/s (batch 256)",
                "add/s",
                "add/s excl embed",
                "add p95 ms",
                "add embed share",
            ],
            rows,
        )
    )
    rows = []
    for r in results:
        rows.append(
            [
                r.backend,
                f"{r.size:,}",
                fmt(r.figures["add_triples"]["rss_mb"], ".0f"),
                fmt(r.figures["bulk"]["rss_mb"], ".0f"),
                fmt(r.figures["add"]["rss_mb"], ".0f"),
                fmt(r.figures["search"]["rss_mb"], ".0f"),
                fmt(r.figures.get("store_mb"), ".0f"),
            ]
        )
    parts.append(
        "\npeak RSS after each phase (MB, client process; high-water mark) and store size\n"
        + table(["backend", "memories", "add_triples", "bulk", "add", "search", "store file MB"], rows)
    )
    rows = []
    for r in results:
        for bucket, (count, p95) in r.figures["search"]["p95_by_scope_size_ms"].items():
            rows.append([r.backend, f"{r.size:,}", bucket, str(count), fmt(p95)])
    parts.append(
        "\nsearch p95 by the searched user's history size\n"
        + table(["backend", "memories", "user memories", "queries", "p95 ms"], rows)
    )
    parts.append(phase_report([(f"{r.backend} {r.size:,}", r.figures["search"]["phases"]) for r in results]))
    rows = []
    for r in results:
        raw, flt = r.figures.get("raw_adds"), r.figures.get("filtered")
        thr, cold = r.figures.get("threads"), r.figures.get("cold")
        rows.append(
            [
                r.backend,
                f"{r.size:,}",
                "-"
                if raw is None
                else f"{raw['adds_per_s']:.1f} "
                + (verdict(raw["adds_per_s"], target_for("raw_adds_per_s", r.backend, r.size)) or "(no target)"),
                "-"
                if flt is None
                else f"{flt['filtered_p95_ms']:.1f} / {flt['unfiltered_p95_ms']:.1f} = "
                f"{flt['ratio_p95']:.2f} " + verdict(flt["ratio_p95"], target_for("filtered_ratio", r.backend, r.size)),
                "-"
                if thr is None
                else f"{thr['threads_qps']:.1f} / {thr['one_thread_qps']:.1f} qps = "
                f"{thr['ratio']:.2f} " + verdict(thr["ratio"], target_for("threads_ratio", r.backend, r.size)),
                "-"
                if cold is None
                else f"{cold['first_ms']:.1f} / {cold['warm_p50_ms']:.1f} = {cold['ratio']:.2f} "
                + (verdict(cold["ratio"], target_for("cold_ratio", r.backend, r.size)) or "(target at 100k)"),
            ]
        )
    parts.append(
        "\nother targets (filtered: a filter keeping 1% of the largest scope, p95 filtered / unfiltered; threads: "
        "N threads' throughput / one thread's; cold: first search after reopening / warm p50, largest scope)\n"
        + table(
            ["backend", "memories", "add(infer=False)/s", "filtered p95 ratio", "threads ratio", "cold ratio"], rows
        )
    )
    return "\n".join(parts)


def phase_report(labelled: list[tuple[str, dict[str, dict[str, float]]]]) -> str:
    """One row per (run, phase): p50/p95/p99 in ms and the phase's share of the mean search ("query" includes the
    query embedding; a phase a search skipped counts as 0 ms)."""
    rows = []
    for label, phases in labelled:
        for name, f in phases.items():
            rows.append(
                [
                    label,
                    name,
                    fmt(f["p50_ms"], ".2f"),
                    fmt(f["p95_ms"], ".2f"),
                    fmt(f["p99_ms"], ".2f"),
                    f"{100 * f['share_of_mean']:.0f}%",
                ]
            )
    return "\nsearch phases (ms per search)\n" + table(["run", "phase", "p50", "p95", "p99", "share of mean"], rows)


def report_kg(results: list[Result], info: dict[str, Any]) -> str:
    parts = ["machine: " + ", ".join(f"{k}={v}" for k, v in info.items())] if info else []
    rows = []
    for r in results:
        t = r.figures["add_triples"]
        rows.append(
            [
                r.backend,
                f"{t['triples']:,}",
                "reused" if t.get("reused") else fmt(t["triples_per_s"], ",.0f"),
                "-" if t.get("reused") else fmt(t["triples_per_s_excl_embed"], ",.0f"),
                "-" if t.get("reused") else f"{100 * t['embed_share']:.0f}%",
                "" if t.get("reused") else verdict(t["triples_per_s"], target_for("add_triples_per_s", r.backend, 0)),
            ]
        )
    parts.append(
        "\nknowledge graph: add_triples\n"
        + table(["backend", "triples", "triples/s", "triples/s excl embed", "embed share", "target"], rows)
    )
    rows = []
    for r in results:
        s = r.figures["search"]
        ratio = s["p95_over_query_embed"]
        rows.append(
            [
                r.backend,
                str(s["queries"]),
                fmt(s["p50_ms"]),
                fmt(s["p95_ms"]),
                fmt(s["p99_ms"]),
                fmt(s["excl_embed_p95_ms"]),
                fmt(s["query_embed_p50_ms"]),
                f"{ratio:.1f}x " + (verdict(ratio, target_for("kg_embed_ratio", r.backend, 0)) or "(no target)"),
                verdict(s["p95_ms"], target_for("kg_search_p95_ms", r.backend, 0)),
                fmt(s["mean_relations"]),
            ]
        )
    parts.append(
        "\nknowledge graph: search latency (ms; questions across hops and types)\n"
        + table(
            [
                "backend",
                "queries",
                "p50",
                "p95",
                "p99",
                "p95 excl embed",
                "query embed p50",
                "p95 / query embed p50",
                "target p95",
                "relations",
            ],
            rows,
        )
    )
    rows = [[r.backend, f"{hop}-hop", str(n), fmt(p95)]
            for r in results for hop, (n, p95) in r.figures["search"]["p95_by_hop_ms"].items()]  # fmt: skip
    parts.append("\nknowledge graph: search p95 by hop\n" + table(["backend", "hop", "queries", "p95 ms"], rows))
    parts.append(phase_report([(f"{r.backend} kg", r.figures["search"]["phases"]) for r in results]))
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000", help="comma-separated memory counts, e.g. 10000,100000")
    ap.add_argument("--backend", choices=["embedded", "neo4j", "both"], default="embedded")
    ap.add_argument("--neo4j-uri", default=os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"))
    ap.add_argument("--neo4j-sizes", default=None, help="sizes to run on Neo4j (default: --sizes)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--adds", type=int, default=500)
    ap.add_argument("--raw-adds", type=int, default=200, help="add(infer=False) calls of short texts (0: skip)")
    ap.add_argument(
        "--filtered-queries",
        type=int,
        default=50,
        help="queries in the largest scope, each with a 1%% filter and without (0: skip)",
    )
    ap.add_argument("--threads", type=int, default=8, help="threads searching one store vs one thread (0: skip)")
    ap.add_argument("--thread-queries", type=int, default=80, help="searches per side of the threads comparison")
    ap.add_argument(
        "--cold-warm",
        type=int,
        default=20,
        help="warm searches compared with the first one after reopening the store (0: skip)",
    )
    ap.add_argument("--kg", default=None, help="a subj|rel|obj triples file: measure it instead of synthetic sizes")
    ap.add_argument(
        "--kg-questions",
        default=None,
        help="comma-separated MetaQA jsonl question files (default: metaqa_{1,2,3}hop_dev.jsonl beside --kg)",
    )
    ap.add_argument("--kg-max-hops", type=int, default=3)
    ap.add_argument("--kg-chunk", type=int, default=5000, help="triples per add_triples call in --kg")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="--kg: reuse the store a previous run left in --workdir (Neo4j: the database as is)",
    )
    ap.add_argument("--users", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--vectors",
        choices=["real", "random"],
        default="real",
        help="bulk-memory vectors: real MiniLM embeddings (cached on disk) or seeded random unit vectors "
        "(latency-only; add_triples, add and queries always use the real model)",
    )
    ap.add_argument("--json", default=None, help="write every figure to this file")
    ap.add_argument("--profile", action="store_true", help="cProfile one add_triples call and 20 searches")
    ap.add_argument("--profile-out", default=None, help="write the profiles here (default: print them)")
    ap.add_argument("--plans", action="store_true", help="print the plan of every query one search sends (Neo4j)")
    ap.add_argument("--workdir", default=None, help="embedded store directory (default: a temporary one)")
    ap.add_argument("--cache-dir", default=os.path.join(tempfile.gettempdir(), "graphmem-bench-cache"))
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    neo_sizes = [int(s) for s in args.neo4j_sizes.split(",")] if args.neo4j_sizes else sizes
    backends = ["embedded", "neo4j"] if args.backend == "both" else [args.backend]
    tmp = None
    if args.workdir is None:
        tmp = tempfile.mkdtemp(prefix="graphmem-speed-")
        args.workdir = tmp
    info = machine()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    results: list[Result] = []
    embed_info: dict[int, dict[str, Any]] = {}
    sink: list[str] = []
    if args.kg:
        try:
            for backend in backends:
                results.append(run_kg(backend, args, sink))
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
        print("\n================ summary ================")
        print(report_kg(results, info))
        finish(args, sink, {"machine": info, "kg": args.kg, "results": [r.__dict__ for r in results]})
        return 0
    try:
        for size in sizes:
            t = time.perf_counter()
            ds = generate(size, n_users=args.users, seed=args.seed)
            print(
                f"size {size:,}: {len(ds.users)} users (largest {max(len(u.memories) for u in ds.users):,} memories),"
                f" {ds.n_entities:,} entities, {ds.n_triples:,} triples; generated in "
                f"{time.perf_counter() - t:.1f}s",
                flush=True,
            )
            texts = [text for u in ds.users for text, _ in u.memories]
            if args.vectors == "random":
                vectors, seconds = random_vectors(len(texts), LocalMiniLM().dim, args.seed), 0.0
                print("  memory vectors: RANDOM unit vectors (latency-only run; rankings are meaningless)")
            else:
                vectors, seconds = embed_texts(LocalMiniLM(), texts, Path(args.cache_dir))
            embed_info[size] = {
                "texts": len(texts),
                "seconds": seconds,
                "texts_per_s": len(texts) / seconds if seconds else None,
                "mean_words": statistics.fmean(len(x.split()) for x in texts),
            }
            print(
                f"  memory texts: {len(texts):,}, mean {embed_info[size]['mean_words']:.1f} words; "
                + (f"embedded at {len(texts) / seconds:.0f} texts/s" if seconds else "embeddings from cache"),
                flush=True,
            )
            for backend in backends:
                if backend == "neo4j" and size not in neo_sizes:
                    continue
                results.append(run_one(backend, ds, vectors, args, sink))
                print(report(results[-1:], embed_info, {}).split("\n", 1)[1], flush=True)
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    print("\n================ summary ================")
    print(report(results, embed_info, info))
    payload = {
        "machine": info,
        "vectors": args.vectors,
        "embedding": embed_info,
        "results": [r.__dict__ for r in results],
        "targets": {f"{k[0]}|{k[1]}|{k[2]}": v for k, v in TARGETS.items()},
    }
    finish(args, sink, payload)
    return 0


def finish(args: argparse.Namespace, sink: list[str], payload: dict[str, Any]) -> None:
    """Print or write the profiles, and write the figures as JSON when asked."""
    if sink:
        text = "\n".join(sink)
        if args.profile_out:
            Path(args.profile_out).write_text(text)
            print(f"\nprofiles written to {args.profile_out}")
        else:
            print("\n" + text)
    if args.json:
        Path(args.json).write_text(json.dumps(payload, indent=2, default=str))
        print(f"figures written to {args.json}")


if __name__ == "__main__":
    raise SystemExit(main())
