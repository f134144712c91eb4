"""Memory built the ways a user builds it: Memory(), from_config(dict), from_config_file(yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from graphmem import ConfigError, Memory


def test_default_memory_lives_under_graphmem_home_and_persists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRAPHMEM_HOME", str(tmp_path / "gm"))
    with Memory() as m:
        m.add("I prefer window seats", user_id="traveller")
    assert (tmp_path / "gm" / "graphmem.db").exists()
    with Memory() as again:
        assert [r["memory"] for r in again.get_all(user_id="traveller")["results"]] == [
            "traveller prefers window seats"
        ]


def test_from_config_dict_and_file(tmp_path: Path) -> None:
    db = tmp_path / "cfg.db"
    with Memory.from_config(
        {"graph_store": {"provider": "embedded", "config": {"path": str(db)}}, "search": {"max_hops": 1}}
    ) as m:
        assert m.config.search.max_hops == 1
        m.add_triples([("Ada", "KNOWS", "Grace")], user_id="u")
    config_file = tmp_path / "graphmem.yaml"
    config_file.write_text(f"graph_store:\n  config:\n    path: {db}\nsearch:\n  relation_limit: 1\n")
    with Memory.from_config_file(config_file) as m:
        assert m.neighbors("Grace", user_id="u")["relations"][0]["source"] == "Ada"
        assert len(m.search("Ada", user_id="u")["relations"]) == 1


def test_from_config_refuses_unknown_keys_before_touching_disk(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        Memory.from_config({"graph_store": {"config": {"path": str(tmp_path / "x.db")}}, "llm_provider": "openai"})
    assert info.value.field == "llm_provider"
    assert not (tmp_path / "x.db").exists()
