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
  4. ``search`` latency over random users (drawn in proportion to their history), default search config; the
     query embedding is timed apart (once by hand, and inside ``search`` by the wrapper).
Peak RSS (``ru_maxrss``, a high-water mark: it never goes down) is read after each phase.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
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
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from hashlib import sha1
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import Dataset, generate, queries, rule_sentences

from graphmem import Memory
from graphmem.ingest.plan import derived_id, text_hash
from graphmem.models import Episode, MemoryRecord, Message, Scope, normalize_name
from graphmem.providers.local_minilm import LocalMiniLM
from graphmem.stores.base import WritePlan

TARGETS = {  # (metric, backend, size) -> (target, "max" | "min")
    ("search_p95_ms", "embedded", 100_000): (25.0, "max"),
    ("search_p95_ms", "embedded", 1_000_000): (80.0, "max"),
    ("search_p95_ms", "neo4j", 100_000): (60.0, "max"),
    ("add_triples_per_s", "embedded", None): (20_000.0, "min"),
    ("add_triples_per_s", "neo4j", None): (5_000.0, "min"),
}
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


def open_memory(backend: str, size: int, workdir: Path, neo4j_uri: str, embedder: TimedEmbedder) -> Memory:
    if backend == "embedded":
        path = workdir / f"speed-{size}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        cfg: dict[str, Any] = {"graph_store": {"provider": "embedded", "config": {"path": str(path)}}}
    else:
        cfg = {"graph_store": {"provider": "neo4j", "config": {"url": neo4j_uri}}}
    m = Memory(cfg, embedder=embedder)
    if backend == "neo4j":
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


def phase_add(m: Memory, ds: Dataset, emb: TimedEmbedder, n: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed + 1)
    users = rng.choices(ds.users, weights=[len(u.memories) for u in ds.users], k=n)
    items = [(u.user_id, rule_sentences(rng, u, 1)[0]) for u in users]
    emb.reset()
    times = []
    start = time.perf_counter()
    for user_id, text in items:
        t = time.perf_counter()
        m.add(text, user_id=user_id)
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
        "adds_per_s_excl_embed": n / (total - emb.seconds),
        "rss_mb": peak_rss_mb(),
    }


def phase_search(
    m: Memory, ds: Dataset, emb: TimedEmbedder, n: int, seed: int, prof: bool, sink: list[str]
) -> dict[str, Any]:
    rng = random.Random(seed + 2)
    qs = queries(rng, ds, n)
    sizes = {u.user_id: len(u.memories) for u in ds.users}
    for user_id, q in qs[:5]:  # warm-up: model, caches, per-scope indexes
        m.search(q, user_id=user_id)
    total_ms, inner_embed_ms, own_embed_ms, result_counts = [], [], [], []
    by_bucket: dict[str, list[float]] = {}
    for user_id, q in qs:
        t = time.perf_counter()
        emb.inner.embed([q])
        own_embed_ms.append(1000 * (time.perf_counter() - t))
        emb.reset()
        t = time.perf_counter()
        out = m.search(q, user_id=user_id)
        ms = 1000 * (time.perf_counter() - t)
        total_ms.append(ms)
        inner_embed_ms.append(1000 * emb.seconds)
        result_counts.append(len(out["results"]))
        size = sizes[user_id]
        bucket = "<100" if size < 100 else "100-999" if size < 1000 else ">=1000"
        by_bucket.setdefault(bucket, []).append(ms)
    if prof:
        big = max(ds.users, key=lambda u: len(u.memories)).user_id
        sample = [q for _, q in qs[:20]]
        with profiled(True, f"20 searches in the largest scope ({sizes[big]} memories)", sink):
            for q in sample:
                m.search(q, user_id=big)
    excl = [a - b for a, b in zip(total_ms, inner_embed_ms, strict=True)]
    return {
        "queries": n,
        "p50_ms": statistics.median(total_ms),
        "p95_ms": pct(total_ms, 95),
        "p99_ms": pct(total_ms, 99),
        "mean_ms": statistics.fmean(total_ms),
        "excl_embed_p50_ms": statistics.median(excl),
        "excl_embed_p95_ms": pct(excl, 95),
        "excl_embed_p99_ms": pct(excl, 99),
        "query_embed_p50_ms": statistics.median(own_embed_ms),
        "query_embed_p95_ms": pct(own_embed_ms, 95),
        "embed_share_of_mean": statistics.fmean(inner_embed_ms) / statistics.fmean(total_ms),
        "mean_results": statistics.fmean(result_counts),
        "p95_by_scope_size_ms": {k: (len(v), pct(v, 95)) for k, v in sorted(by_bucket.items())},
        "rss_mb": peak_rss_mb(),
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
        print(f"  [{backend} {size}] {args.queries} searches ...", flush=True)
        res.figures["search"] = phase_search(m, ds, emb, args.queries, ds.seed, args.profile, sink)
        if args.plans:
            print(query_plans(m, ds), flush=True)
        if backend == "embedded":
            m.close()
            res.figures["store_mb"] = store_bytes(workdir, size) / 1e6
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
    return f">= {goal:g}: ok" if value >= goal else f">= {goal:g}: MISSED, {goal / value:.0f}x short"


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def fmt(value: float | None, spec: str = ".1f") -> str:
    return "-" if value is None else format(value, spec)


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "(unset)"),
    }


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
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10000", help="comma-separated memory counts, e.g. 10000,100000")
    ap.add_argument("--backend", choices=["embedded", "neo4j", "both"], default="embedded")
    ap.add_argument("--neo4j-uri", default=os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"))
    ap.add_argument("--neo4j-sizes", default=None, help="sizes to run on Neo4j (default: --sizes)")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--adds", type=int, default=500)
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
    if sink:
        text = "\n".join(sink)
        if args.profile_out:
            Path(args.profile_out).write_text(text)
            print(f"\nprofiles written to {args.profile_out}")
        else:
            print("\n" + text)
    if args.json:
        payload = {
            "machine": info,
            "vectors": args.vectors,
            "embedding": embed_info,
            "results": [r.__dict__ for r in results],
            "targets": {f"{k[0]}|{k[1]}|{k[2]}": v for k, v in TARGETS.items()},
        }
        Path(args.json).write_text(json.dumps(payload, indent=2, default=str))
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
