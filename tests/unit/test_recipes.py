"""Search recipes as config (issue 10, point 8): presets, how a recipe lays over the search.* keys, errors, CLI."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from graphmem import ConfigError, MemoryConfig
from graphmem.cli import main
from graphmem.config import RECIPES, SearchConfig, SearchRecipe, parse_recipe


def test_the_named_presets_and_their_lanes() -> None:
    assert sorted(RECIPES) == ["default", "graph", "keyword", "semantic"]
    lanes = {name: SearchConfig().using(r).weights.model_dump() for name, r in RECIPES.items()}
    assert lanes["keyword"] == {"vector": 0, "bm25": 1, "graph": 0}
    assert lanes["semantic"] == {"vector": 1, "bm25": 0, "graph": 0}
    g = lanes["graph"]
    assert g["graph"] > g["vector"] + g["bm25"] and min(g.values()) > 0  # the walk leads; text lanes fill in


def test_default_is_exactly_the_configured_search() -> None:
    cfg = MemoryConfig.parse({"search": {"rrf_k": 20, "min_pool": 5, "weights": {"bm25": 0.5}}}).search
    effective = cfg.using(RECIPES["default"])
    assert effective.model_dump() == cfg.model_dump()
    assert SearchConfig().using().weights.model_dump() == {"vector": 0.7, "bm25": 1.0, "graph": 0.3}


def test_a_recipe_overrides_only_what_it_sets() -> None:
    cfg = MemoryConfig.parse({"search": {"weights": {"graph": 2.0}, "pool_factor": 6, "recipe": {
        "weights": {"vector": 0}, "rrf_k": 40}}}).search  # fmt: skip
    effective = cfg.using()
    assert effective.weights.model_dump() == {"vector": 0, "bm25": 1.0, "graph": 2.0}
    assert (effective.rrf_k, effective.pool_factor, effective.min_pool) == (40, 6, 30)
    assert cfg.using(parse_recipe("semantic")).rrf_k == 10  # a call's recipe replaces the configured one


def test_config_names_a_recipe_and_rejects_unknown_names() -> None:
    assert MemoryConfig.parse({"search": {"recipe": "keyword"}}).search.recipe == RECIPES["keyword"]
    with pytest.raises(ConfigError) as bad:
        MemoryConfig.parse({"search": {"recipe": "fast"}})
    assert bad.value.field == "search.recipe"
    assert "default, graph, keyword, semantic" in str(bad.value)
    with pytest.raises(ConfigError) as tag:
        MemoryConfig.parse({"search": {"recipe": {"reranker": {"provider": "mmr", "config": {"lambda_mult": 3}}}}})
    assert tag.value.field == "search.recipe.reranker.config.lambda_mult"


def test_parse_recipe_accepts_names_objects_and_dicts() -> None:
    assert parse_recipe("graph") is RECIPES["graph"]
    mine = SearchRecipe(min_pool=3)
    assert parse_recipe(mine) is mine
    assert parse_recipe({"weights": {"bm25": 0}}).weights.bm25 == 0


def test_cli_search_takes_a_recipe(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "r.db")
    assert runner.invoke(main, ["add", "Alice lives in Berlin.", "--user", "u", "--store", db]).exit_code == 0
    out = runner.invoke(main, ["search", "Where does Alice live?", "--user", "u", "--store", db, "--recipe", "keyword"])
    assert out.exit_code == 0, out.output
    assert "[bm25]" in out.output
    bad = runner.invoke(main, ["search", "x", "--user", "u", "--store", db, "--recipe", "fast"])
    assert bad.exit_code != 0 and "default, graph, keyword, semantic" in bad.output
    helped = " ".join(runner.invoke(main, ["search", "--help"]).output.split())
    listed = re.search(r"Search recipe: (.*?); default:", helped)
    assert listed and {w.split(" ")[0] for w in listed.group(1).split(", ")} == set(RECIPES)
