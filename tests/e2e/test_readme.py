"""Every code block of the README runs as written, on a fresh store, so the README cannot drift from the code.

Python blocks run in order in one interpreter (later blocks use what earlier ones defined, as a reader would),
with ``GRAPHMEM_HOME`` in a temporary directory, the OpenAI-compatible examples pointed at the scripted test
server through the ``openai`` client's own environment variables, and ``NEO4J_URI`` at the test Neo4j. Shell
blocks run line by line with bash in the same temporary directory. A block that must not run here (the two
commands themselves, servers, benchmarks over data the repository does not ship) is preceded by
``<!-- readme-test: skip: REASON -->``; the reasons are checked to be there.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.llm_server import LlmServer
from tests.neo4j_server import Neo4jServer

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
SKIP = re.compile(r"<!--\s*readme-test:\s*skip:\s*(?P<reason>.+?)\s*-->")
FENCE = re.compile(r"^```(?P<lang>[A-Za-z0-9_-]*)(?:[ \t]+(?P<file>[\w.-]+))?\s*$")
RUNNABLE = {"python", "bash"}


@dataclass
class Block:
    lang: str
    line: int  # 1-based line of the opening fence
    code: str
    skip: str | None  # the reason, when the block is marked not to run
    file: str | None = None  # ```yaml graphmem.yaml: a file the examples read, written before they run


def readme_blocks(text: str) -> list[Block]:
    """Fenced blocks in order; a skip marker applies to the block whose fence follows it directly."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        marker = SKIP.search(lines[start - 1]) if start > 0 else None
        reason = marker["reason"] if marker else None
        blocks.append(Block(opening["lang"], start + 1, "\n".join(body), reason, opening["file"]))
        i += 1
    return blocks


RUNNER = """
import json, sys, traceback
blocks = json.load(sys.stdin)
namespace = {"__name__": "__readme__"}
for block in blocks:
    try:
        exec(compile(block["code"], f"README.md:{block['line']}", "exec"), namespace)
    except BaseException:
        print(f"README block at line {block['line']} failed:", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
print(f"ran {len(blocks)} python blocks")
"""


def write_files(blocks: list[Block], where: Path) -> None:
    for block in blocks:
        if block.file is not None:
            (where / block.file).write_text(block.code + "\n")


def extraction(subject: str, city: str, fact: str) -> dict[str, object]:
    """What a chat model answers for "I live in / moved to CITY" (the README's LLM example)."""
    return {
        "facts": [{"text": fact, "entities": [subject, city], "message_index": 0}],
        "entities": [{"name": subject, "type": "Person", "aliases": []}, {"name": city, "type": "City", "aliases": []}],
        "relations": [{"source": subject, "type": "LIVES_IN", "target": city, "fact": fact}],
        "speaker": subject,
    }


@pytest.fixture
def readme_llm() -> Iterator[LlmServer]:
    """The scripted server with text-embedding-3-small's 1536 dimensions, which the examples' store expects."""
    server = LlmServer(embed_dim=1536).start()
    yield server
    server.stop()


@pytest.fixture
def readme_env(tmp_path: Path, readme_llm: LlmServer, neo4j_server: Neo4jServer) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "NEO4J_", "GRAPHMEM_"))}
    env.update(
        GRAPHMEM_HOME=str(tmp_path / "home"),
        OPENAI_API_KEY="sk-readme-test",
        OPENAI_BASE_URL=readme_llm.base_url,
        NEO4J_URI=neo4j_server.uri,
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        PYTHONPATH=str(ROOT),
    )
    if neo4j_server.username:
        env.update(NEO4J_USERNAME=neo4j_server.username, NEO4J_PASSWORD=neo4j_server.password or "")
    return env


def test_readme_blocks_are_found_and_skips_say_why() -> None:
    blocks = [b for b in readme_blocks(README.read_text()) if b.lang in RUNNABLE]
    running = [b for b in blocks if b.skip is None]
    assert sum(b.lang == "python" for b in running) >= 4 and sum(b.lang == "bash" for b in running) >= 1
    assert all(len(b.skip or "") >= 15 for b in blocks if b not in running)  # a real reason, not "skip"
    assert any(b.file == "graphmem.yaml" for b in readme_blocks(README.read_text()))


def test_readme_python_blocks_run(tmp_path: Path, readme_env: dict[str, str], readme_llm: LlmServer) -> None:
    everything = readme_blocks(README.read_text())
    write_files(everything, tmp_path)
    blocks = [b for b in everything if b.lang == "python" and b.skip is None]
    readme_llm.script_chat(extraction("Sam", "Paris", "Sam lives in Paris"),
                           extraction("Sam", "Berlin", "Sam moved to Berlin"))  # fmt: skip
    payload = json.dumps([{"line": b.line, "code": b.code} for b in blocks])
    done = subprocess.run([sys.executable, "-c", RUNNER], input=payload, cwd=tmp_path, env=readme_env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stderr[-4000:]
    assert f"ran {len(blocks)} python blocks" in done.stdout


def test_readme_shell_blocks_run(tmp_path: Path, readme_env: dict[str, str]) -> None:
    everything = readme_blocks(README.read_text())
    write_files(everything, tmp_path)
    blocks = [b for b in everything if b.lang == "bash" and b.skip is None]
    outputs: dict[str, str] = {}
    for block in blocks:
        script = "set -euo pipefail\n" + block.code
        done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=readme_env, capture_output=True,
                              text=True, timeout=600)  # fmt: skip
        assert done.returncode == 0, f"README block at line {block.line}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        outputs[block.code] = done.stdout
    # The worked CLI example finds the evidence path it promises.
    paths = next(out for code, out in outputs.items() if 'graphmem paths "Jane Doe" "Contract 42"' in code)
    assert "WORKS_AT" in paths and "SIGNED" in paths
