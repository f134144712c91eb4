"""Load benchmark: N concurrent clients for T seconds of mixed add / search / get against ``graphmem serve``.

    OPENBLAS_NUM_THREADS=1 python benchmarks/load.py --backend both --clients 100 --seconds 60 \\
        --neo4j-uri bolt://127.0.0.1:7687 --workers 2

For each backend the script starts ``graphmem serve`` itself, as a subprocess on a free loopback port (embedded: a
new store in a temporary folder, one process; Neo4j: ``--neo4j-uri``, ``--workers`` processes), makes an API key
with ``graphmem keys create`` (Neo4j: in a tenant of its own, so the database's other data is neither seen nor
touched), and drives the server with ``AsyncMemoryClient`` from one event loop:

- each client is its own ``user_id`` and loops until the clock runs out, choosing each call by the ``--mix``
  weights: ``add`` (a short text of its own, ``infer=False``: the text is embedded and stored verbatim, no
  extraction), ``search`` (a query in its scope) or ``get`` (one of its own acknowledged memories; before it has
  one, that turn is an add);
- latencies are per route, of answered calls; an error is any call that raised, or a ``get`` of an acknowledged
  memory that answered nothing. The client does not retry (``retries=0``), so an error is never hidden;
- afterwards each user's memories are listed through the API (``get_all``) and compared with what the adds
  acknowledged: nothing lost, nothing stored twice, nothing stored that no add acknowledged (beyond the adds that
  failed). The Neo4j run then deletes its users' memories.

The clients run on the same machine as the server, so they take a share of its CPU; the figures are a floor.
Exit status 1 when a call failed or the count check did not hold.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from report import machine, table
from speed import pct

from graphmem import AsyncMemoryClient

ROUTES = ("add", "search", "get")
START_TIMEOUT_S = 180.0  # a cold start loads the embedding model in every server process
WORDS = ["hiking", "chess", "sourdough", "jazz", "cycling", "pottery", "sailing",
         "tea", "climbing", "opera", "gardening", "tennis", "poetry", "coffee"]  # fmt: skip
QUERIES = ["what are my hobbies", "favourite drinks", "sports I play", "music", "weekend plans", "food I like"]


# -- the server --------------------------------------------------------------------------------------------------------
@dataclass
class Target:
    """A running server: where it answers and the key of the tenant the clients act in."""

    backend: str
    workers: int
    host: str
    key: str


def graphmem(*args: str) -> list[str]:
    return [sys.executable, "-m", "graphmem", *args]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(backend: str, workers: int, neo4j_uri: str, workdir: Path) -> Iterator[Target]:
    """``graphmem serve`` over a fresh embedded store or the Neo4j at ``neo4j_uri``, with a new key; stopped after."""
    if backend == "embedded":
        where = ["--store", str(workdir / "load.db")]
    else:
        config = workdir / "neo4j.yaml"  # JSON is YAML; username and password come from $NEO4J_* when set
        config.write_text(json.dumps({"graph_store": {"provider": "neo4j", "config": {"url": neo4j_uri}}}))
        where = ["--config", str(config)]
    env = {**os.environ, "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")}
    made = subprocess.run(graphmem("keys", "create", *where, "--tenant", f"load-{secrets.token_hex(4)}", "--json"),
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip
    if made.returncode != 0:
        raise SystemExit(f"graphmem keys create failed: {made.stderr.strip()}")
    record = json.loads(made.stdout)
    port, log = free_port(), workdir / f"serve-{backend}.log"
    command = graphmem("serve", *where, "--port", str(port), "--workers", str(workers), "--log-level", "warning")
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    host = f"http://127.0.0.1:{port}"
    try:
        wait_for_health(process, host, log)
        yield Target(backend, workers, host, record["key"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if backend != "embedded":  # the embedded store goes with the folder; a Neo4j keeps its keys
            subprocess.run(graphmem("keys", "revoke", record["id"], *where), capture_output=True, env=env, check=False)


def wait_for_health(process: subprocess.Popen[bytes], host: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"graphmem serve exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{host}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"graphmem serve did not answer within {START_TIMEOUT_S:.0f}s:\n{log.read_text()[-3000:]}")


# -- the clients -------------------------------------------------------------------------------------------------------
@dataclass
class Route:
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    first_errors: list[str] = field(default_factory=list)

    def failed(self, message: str) -> None:
        self.errors += 1
        if len(self.first_errors) < 3:
            self.first_errors.append(message[:300])


@dataclass
class Run:
    """What the clients did: per-route figures and every acknowledged add, by user."""

    routes: dict[str, Route] = field(default_factory=lambda: {r: Route() for r in ROUTES})
    acknowledged: dict[str, list[str]] = field(default_factory=dict)
    seconds: float = 0.0


def parse_mix(text: str) -> dict[str, float]:
    """``add=1,search=2,get=1``: relative weights of the routes (a missing route is 0)."""
    mix = {route: 0.0 for route in ROUTES}
    for part in filter(None, (p.strip() for p in text.split(","))):
        route, _, weight = part.partition("=")
        if route not in mix:
            raise SystemExit(f"--mix: unknown route {route!r} (routes: {', '.join(ROUTES)})")
        try:
            mix[route] = float(weight)
        except ValueError:
            raise SystemExit(f"--mix: {part!r} is not route=weight") from None
    if sum(mix.values()) <= 0 or min(mix.values()) < 0:
        raise SystemExit(f"--mix: the weights must be >= 0 and not all 0, got {text!r}")
    return mix


async def client_loop(
    client: AsyncMemoryClient, user: str, deadline: float, mix: dict[str, float], seed: int, run: Run
) -> None:
    rng = random.Random(seed)
    mine = run.acknowledged.setdefault(user, [])
    routes, weights = list(mix), list(mix.values())
    n = 0
    while time.monotonic() < deadline:
        route = rng.choices(routes, weights)[0]
        if route == "get" and not mine:
            route = "add"
        start = time.perf_counter()
        try:
            if route == "add":
                n += 1
                text = f"{user} note {n}: enjoys {rng.choice(WORDS)} and {rng.choice(WORDS)}"
                answer = await client.add(text, user_id=user, infer=False)
                mine.extend(event["id"] for event in answer["results"] if event["event"] == "ADD")
            elif route == "search":
                await client.search(rng.choice(QUERIES), user_id=user, limit=5)
            else:
                memory_id = rng.choice(mine)
                if await client.get(memory_id, user_id=user) is None:
                    run.routes[route].failed(f"get {memory_id}: an acknowledged memory answered nothing")
                    continue
        except Exception as exc:  # counted, never retried: the figure is what the server did
            run.routes[route].failed(f"{type(exc).__name__}: {exc}")
            continue
        run.routes[route].latencies_ms.append((time.perf_counter() - start) * 1000.0)


async def drive(target: Target, clients: int, seconds: float, mix: dict[str, float], seed: int) -> Run:
    run = Run()
    async with AsyncMemoryClient(api_key=target.key, host=target.host, retries=0, timeout=120.0,
                                 max_connections=clients) as client:  # fmt: skip
        # Warm-up, not timed: every server process loads its model and indexes on its first search.
        await asyncio.gather(*(client.search("warm-up", user_id="warm-up") for _ in range(4 * target.workers)))
        users = [f"client-{i:03d}" for i in range(clients)]
        start = time.monotonic()
        await asyncio.gather(*(client_loop(client, u, start + seconds, mix, seed + i, run)
                               for i, u in enumerate(users)))  # fmt: skip
        run.seconds = time.monotonic() - start
    return run


# -- the count check ---------------------------------------------------------------------------------------------------
@dataclass
class Count:
    acknowledged: int = 0
    stored: int = 0
    lost: int = 0
    duplicated: int = 0
    unacknowledged: int = 0
    failed_adds: int = 0

    @property
    def ok(self) -> bool:
        return self.lost == 0 and self.duplicated == 0 and self.unacknowledged <= self.failed_adds

    def line(self) -> str:
        verdict = "OK" if self.ok else "FAILED"
        return (f"count check: {self.acknowledged} acknowledged adds, {self.stored} stored; {self.lost} lost, "
                f"{self.duplicated} stored twice, {self.unacknowledged} stored without an acknowledgement "
                f"({self.failed_adds} adds failed): {verdict}")  # fmt: skip


async def count_check(target: Target, run: Run, cleanup: bool) -> Count:
    """Each user's memories as the API lists them, against the ids its adds acknowledged."""
    count = Count(failed_adds=run.routes["add"].errors)
    async with AsyncMemoryClient(api_key=target.key, host=target.host, retries=2, timeout=120.0) as client:
        for user, acked in sorted(run.acknowledged.items()):
            listed = (await client.get_all(user_id=user, limit=min(10_000, len(acked) + 100)))["results"]
            ids, texts = {m["id"] for m in listed}, Counter(m["memory"] for m in listed)
            count.acknowledged += len(acked)
            count.stored += len(listed)
            count.lost += len(set(acked) - ids)
            count.duplicated += sum(n - 1 for n in texts.values()) + len(acked) - len(set(acked))
            count.unacknowledged += len(ids - set(acked))
            if cleanup:
                await client.delete_all(user_id=user)
    return count


# -- the report --------------------------------------------------------------------------------------------------------
def rows(target: Target, run: Run) -> list[list[object]]:
    out: list[list[object]] = []
    everything = Route()
    for name in (*ROUTES, "all"):
        route = run.routes.get(name) or everything
        if name != "all":
            everything.latencies_ms += route.latencies_ms
            everything.errors += route.errors
        done = len(route.latencies_ms) + route.errors
        lat = route.latencies_ms or [float("nan")]
        out.append([target.backend, target.workers, name, done, f"{done / run.seconds:.1f}",
                    f"{pct(lat, 50):.1f}", f"{pct(lat, 95):.1f}", f"{pct(lat, 99):.1f}", route.errors])  # fmt: skip
    return out


HEADER = ["backend", "workers", "route", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", choices=["embedded", "neo4j", "both"], default="embedded")
    ap.add_argument("--neo4j-uri", default=os.environ.get("NEO4J_URI", "bolt://127.0.0.1:7687"))
    ap.add_argument("--clients", type=int, default=100, help="concurrent clients, each its own user_id")
    ap.add_argument("--seconds", type=float, default=60.0, help="how long the clients run")
    ap.add_argument("--mix", default="add=1,search=2,get=1", help="relative weights of the routes")
    ap.add_argument("--workers", type=int, default=2, help="server processes on Neo4j (embedded always runs one)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", default=None, help="write every figure to this file")
    args = ap.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0 or args.workers < 1:
        raise SystemExit("--clients and --workers must be >= 1 and --seconds > 0")
    mix = parse_mix(args.mix)
    backends = ["embedded", "neo4j"] if args.backend == "both" else [args.backend]
    info = machine()
    print("machine: " + ", ".join(f"{k}={v}" for k, v in info.items()), flush=True)
    print(f"{args.clients} clients, {args.seconds:g} s, mix {args.mix}, adds infer=False", flush=True)
    table_rows: list[list[object]] = []
    figures: list[dict[str, Any]] = []
    lines: list[str] = []
    failed = False
    workdir = Path(tempfile.mkdtemp(prefix="graphmem-load-"))
    try:
        for backend in backends:
            workers = 1 if backend == "embedded" else args.workers
            print(f"[{backend}] starting graphmem serve ({workers} worker{'s' if workers > 1 else ''}) ...",
                  flush=True)  # fmt: skip
            with served(backend, workers, args.neo4j_uri, workdir) as target:
                run = asyncio.run(drive(target, args.clients, args.seconds, mix, args.seed))
                count = asyncio.run(count_check(target, run, cleanup=backend != "embedded"))
            table_rows += rows(target, run)
            lines.append(f"{backend}: {count.line()}")
            print(table(f"[{backend}]", HEADER, rows(target, run)) + "\n" + lines[-1], flush=True)
            for name, route in run.routes.items():
                for message in route.first_errors:
                    print(f"  {name} error: {message}")
            failed = failed or not count.ok or any(r.errors for r in run.routes.values())
            figures.append({"backend": backend, "workers": workers, "seconds": run.seconds,
                            "routes": {n: {"requests": len(r.latencies_ms) + r.errors, "errors": r.errors,
                                           "p50_ms": pct(r.latencies_ms, 50) if r.latencies_ms else None,
                                           "p95_ms": pct(r.latencies_ms, 95) if r.latencies_ms else None,
                                           "p99_ms": pct(r.latencies_ms, 99) if r.latencies_ms else None,
                                           "first_errors": r.first_errors} for n, r in run.routes.items()},
                            "count": {**asdict(count), "ok": count.ok}})  # fmt: skip
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print("\n================ summary ================")
    print(table(f"{args.clients} clients, {args.seconds:g} s, mix {args.mix}", HEADER, table_rows))
    print("\n".join(lines))
    if args.json:
        payload = {"machine": info, "clients": args.clients, "seconds": args.seconds, "mix": args.mix,
                   "results": figures}  # fmt: skip
        Path(args.json).write_text(json.dumps(payload, indent=2))
        print(f"figures written to {args.json}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
