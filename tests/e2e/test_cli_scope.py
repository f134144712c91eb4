"""The CLI's get / history / delete honour --user/--agent/--run (an id outside the scope is "not found", as an
unknown one is), and hostile input comes back as a one-line error naming the field, not a traceback (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphmem.cli import main


def invoke(*args: str, ok: bool = True) -> str:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert (result.exit_code == 0) == ok, result.output
    return result.output


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("GRAPHMEM_HOME", str(tmp_path / "home"))
    return str(tmp_path / "cli.db")


def test_get_history_and_delete_refuse_an_id_outside_the_scope(store: str) -> None:
    added = json.loads(invoke("add", "I like tea", "--store", store, "--user", "a", "--no-infer", "--json"))
    memory_id = added["results"][0]["id"]
    for command in ("get", "history", "delete"):
        unknown = invoke(command, "no-such-id", "--store", store, "--user", "b", ok=False)
        outside = invoke(command, memory_id, "--store", store, "--user", "b", ok=False)
        assert outside == unknown.replace("no-such-id", memory_id)
        assert "not found" in outside
    assert json.loads(invoke("get", memory_id, "--store", store, "--user", "a", "--json"))["memory"] == "I like tea"
    invoke("delete", memory_id, "--store", store, "--user", "a")
    invoke("get", memory_id, "--store", store, ok=False)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("add", "I like tea", "--user", "\udcff"), "user_id"),  # undecodable argv bytes arrive as surrogates
        (("add", "I like \udcff tea", "--user", "a"), "messages[0].content"),
        (("search", "tea", "--user", "a", "--limit", str(10**18)), "limit"),
        (("get", "x" * 300), "memory_id"),
    ],
)
def test_hostile_input_is_a_clean_error_naming_the_field(store: str, args: tuple[str, ...], field: str) -> None:
    invoke("add", "seed", "--store", store, "--user", "a", "--no-infer")
    output = invoke(*args, "--store", store, ok=False)
    assert f"Error: {field}:" in output
    assert "Traceback" not in output


def test_deep_filters_on_the_command_line_are_a_clean_error(store: str) -> None:
    invoke("add", "seed", "--store", store, "--user", "a", "--no-infer")
    deep = '{"category": "x"}'
    for _ in range(500):
        deep = '{"NOT": ' + deep + "}"
    output = invoke("list", "--user", "a", "--filters", deep, "--store", store, ok=False)
    assert "max_filter_depth" in output
