"""A writer in its own OS process, for the reliability suite's process races and kill -9 runs.

The child (``python -m tests.reliability.writer SPEC``) opens the store named in the spec the way an application
would (its own connection, its own embedder), loads the model, says ``ready``, waits for ``go`` on stdin (so
several writers start together), then runs its operations, printing one JSON line before each (``start``) and one
after (``done``, with the API's answer). The parent reads those lines to know what each writer started and what
it was told, so a kill -9 can be aimed at a moment and what was in flight be known afterwards.

``Writer`` is the parent's side: it starts the child and hands its lines over through a queue, read on a thread,
so the parent can wait for a given ``start`` and kill right then.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from graphmem import Memory
from graphmem.stores.base import Store
from graphmem.stores.embedded import EmbeddedStore
from graphmem.stores.neo4j import Neo4jStore
from tests.neo4j_server import Neo4jServer

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_S = 120  # importing graphmem and loading the model, on a busy 2-core machine


def store_spec(store: Store, server: Neo4jServer | None, dim: int) -> dict[str, Any]:
    """Where a child finds the database ``store`` (opened by the ``make_store`` fixture) lives."""
    if server is not None:
        return {"kind": "neo4j", "uri": server.uri, "user": server.username, "password": server.password, "dim": dim}
    assert isinstance(store, EmbeddedStore), "only the embedded file and Neo4j can be shared between processes"
    return {"kind": "embedded", "path": str(store.path), "dim": dim}


def _open(spec: dict[str, Any]) -> Memory:
    from graphmem.providers.local_minilm import LocalMiniLM

    store: Store
    if spec["kind"] == "neo4j":
        store = Neo4jStore(spec["uri"], spec["user"], spec["password"], None, spec["dim"])
    else:
        store = EmbeddedStore(spec["path"], spec["dim"])
    return Memory(store=store, embedder=LocalMiniLM())


def run_op(memory: Memory, op: dict[str, Any]) -> dict[str, Any]:
    """One operation of a writer's list: ``add`` (``text``, ``infer``) or ``triples``, in ``scope``."""
    if op["kind"] == "triples":
        return memory.add_triples([tuple(t) for t in op["triples"]], user_id=op["scope"])
    return memory.add(op["text"], user_id=op["scope"], infer=op.get("infer", True))


def _say(line: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(line) + "\n")
    sys.stdout.flush()


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    memory = _open(spec["store"])
    try:
        memory.embedder.embed(["warm up"])  # the weights load now, not inside the first timed add
        _say({"ready": True})
        if sys.stdin.readline().strip() != "go":
            return 2
        for op in spec["ops"]:
            _say({"start": op["index"]})
            _say({"done": op["index"], "scope": op["scope"], "result": run_op(memory, op)})
    finally:
        memory.close()
    return 0


class Writer:
    """A child writer process and the lines it printed so far (``lines``: a queue of dicts; None at its end)."""

    def __init__(self, spec_dir: Path, name: str, store: dict[str, Any], ops: list[dict[str, Any]]) -> None:
        spec = spec_dir / f"{name}.json"
        spec.write_text(json.dumps({"store": store, "ops": ops}), encoding="utf-8")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.reliability.writer", str(spec)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])},
        )  # fmt: skip
        self.lines: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.seen: list[dict[str, Any]] = []  # every line taken from the queue so far
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            if raw.startswith("{"):
                self.lines.put(json.loads(raw))
        self.lines.put(None)

    def next(self, timeout: float = READY_TIMEOUT_S) -> dict[str, Any] | None:
        line = self.lines.get(timeout=timeout)
        if line is not None:
            self.seen.append(line)
        return line

    def wait_ready(self) -> None:
        line = self.next()
        assert line == {"ready": True}, f"writer did not start: {line!r} (exit code {self.process.poll()})"

    def go(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("go\n")
        self.process.stdin.flush()

    def kill(self) -> None:
        """SIGKILL: no handler, no ``finally``, no flush runs in the child."""
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(30)

    def finish(self, timeout: float = 300) -> list[dict[str, Any]]:
        """Wait for the child's end (it must succeed); every line it printed."""
        code = self.process.wait(timeout)
        self._reader.join(30)
        while (line := self.lines.get_nowait() if not self.lines.empty() else None) is not None:
            self.seen.append(line)
        assert code == 0, f"writer exited with {code}"
        return self.seen

    def drain(self) -> list[dict[str, Any]]:
        """After a kill: every line the child managed to print."""
        self._reader.join(30)
        while not self.lines.empty():
            line = self.lines.get_nowait()
            if line is not None:
                self.seen.append(line)
        return self.seen


if __name__ == "__main__":
    sys.exit(main(sys.argv))
