from __future__ import annotations

from pathlib import Path

import pytest

from graphmem.config import MemoryConfig
from graphmem.errors import ConfigError


def test_defaults_and_home_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("GRAPHMEM_HOME", str(tmp_path / "home"))
    cfg = MemoryConfig.parse({})
    assert cfg.graph_store.provider == "embedded" and cfg.llm.provider == "rules"
    assert cfg.graph_store.config.resolved_path() == tmp_path / "home" / "graphmem.db"
    explicit = MemoryConfig.parse({"graph_store": {"config": {"path": str(tmp_path / "x.db")}}})
    assert explicit.graph_store.config.resolved_path() == tmp_path / "x.db"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"vector_stor": {}}, "vector_stor"),
        ({"graph_store": {"provider": "embedded", "config": {"pth": "x"}}}, "graph_store.config.pth"),
        ({"graph_store": {"provider": "oracle"}}, "graph_store.provider"),
        ({"search": {"max_hops": "two"}}, "search.max_hops"),
        ({"search": {"weights": {"vector": -1}}}, "search.weights.vector"),
        ({"embedder": {"config": {"batch_size": 0}}}, "embedder.config.batch_size"),
    ],
)
def test_bad_config_names_the_key(data: dict[str, object], field: str) -> None:
    with pytest.raises(ConfigError) as info:
        MemoryConfig.parse(data)
    assert info.value.field == field


@pytest.mark.parametrize(
    ("key", "advice"),
    [
        ("vector_store", "choose the store with graph_store"),
        ("history_db_path", "graph_store.config.path"),
        ("version", "one output format"),
        ("custom_fact_extraction_prompt", "use custom_prompt"),
    ],
)
def test_mem0_keys_say_what_to_use_instead(key: str, advice: str) -> None:
    """A mem0 config moved over as it is fails on the first mem0-only key with advice, not "unknown key"."""
    mem0 = {"llm": {"provider": "rules"}, key: {"provider": "qdrant"} if key == "vector_store" else "v1.1"}
    with pytest.raises(ConfigError, match=advice) as info:
        MemoryConfig.parse(mem0)
    assert info.value.field == key and "unknown" not in str(info.value)


def test_from_file_reads_yaml_and_reports_problems(tmp_path: Path) -> None:
    good = tmp_path / "c.yaml"
    good.write_text("search:\n  max_hops: 3\n  weights:\n    graph: 2.0\n")
    cfg = MemoryConfig.from_file(good)
    assert cfg.search.max_hops == 3 and cfg.search.weights.graph == 2.0
    with pytest.raises(ConfigError) as info:
        MemoryConfig.from_file(tmp_path / "missing.yaml")
    assert info.value.field == "config_file"
    bad = tmp_path / "bad.yaml"
    bad.write_text("search: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        MemoryConfig.from_file(bad)
