"""Configuration: one pydantic model tree, mem0-shaped (`{"graph_store": {"provider", "config"}, ...}`).

Unknown keys are errors that name the key, so a typo never silently falls back to a default. Environment variables
are read when a config is built, never at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from graphmem.errors import ConfigError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def default_home() -> Path:
    """Where the embedded store lives unless configured: ``$GRAPHMEM_HOME`` or ``~/.graphmem``."""
    return Path(os.environ.get("GRAPHMEM_HOME") or Path.home() / ".graphmem")


class EmbeddedStoreSettings(_Strict):
    path: str | None = Field(default=None, description="SQLite file; default $GRAPHMEM_HOME/graphmem.db")

    def resolved_path(self) -> Path:
        return Path(self.path).expanduser() if self.path else default_home() / "graphmem.db"


def _env(name: str) -> str | None:
    return os.environ.get(name) or None


class Neo4jSettings(_Strict):
    """Connection to a Neo4j server. Unset values come from NEO4J_URI / NEO4J_USERNAME / NEO4J_PASSWORD /
    NEO4J_DATABASE when the config is built."""

    url: str = Field(default_factory=lambda: _env("NEO4J_URI") or "bolt://127.0.0.1:7687")
    username: str | None = Field(default_factory=lambda: _env("NEO4J_USERNAME"))
    password: str | None = Field(default_factory=lambda: _env("NEO4J_PASSWORD"))
    database: str | None = Field(default_factory=lambda: _env("NEO4J_DATABASE"))
    exact_limit: int = Field(
        default=50_000, ge=0, description="scopes with at most this many vectors are searched exactly, not by ANN"
    )


class EmbeddedGraphStore(_Strict):
    provider: Literal["embedded"] = "embedded"
    config: EmbeddedStoreSettings = Field(default_factory=EmbeddedStoreSettings)


class Neo4jGraphStore(_Strict):
    provider: Literal["neo4j"]
    config: Neo4jSettings = Field(default_factory=Neo4jSettings)


GraphStoreConfig = Annotated[EmbeddedGraphStore | Neo4jGraphStore, Field(discriminator="provider")]
_PROVIDER_TAGS = {"embedded", "neo4j"}


class LocalEmbedderSettings(_Strict):
    model_path: str | None = Field(default=None, description="Directory with MiniLM files; default: the package's")
    batch_size: int = Field(default=32, ge=1, le=1024)


class EmbedderConfig(_Strict):
    provider: Literal["local"] = "local"
    config: LocalEmbedderSettings = Field(default_factory=LocalEmbedderSettings)


class LlmConfig(_Strict):
    """Which extractor turns messages into facts. ``rules`` is the offline default (no model, no key)."""

    provider: Literal["rules"] = "rules"
    config: dict[str, Any] = Field(default_factory=dict)


class LaneWeights(_Strict):
    """Weights of each lane in reciprocal-rank fusion; 0 turns a lane off."""

    vector: float = Field(default=1.0, ge=0)
    bm25: float = Field(default=1.0, ge=0)
    graph: float = Field(default=1.0, ge=0)


class SearchConfig(_Strict):
    max_hops: int = Field(default=2, ge=0, le=5, description="graph expansion depth from linked entities")
    fanout: int = Field(default=50, ge=1, description="edges followed per entity per hop, strongest first")
    rrf_k: int = Field(default=60, ge=1, description="reciprocal-rank fusion constant; larger flattens ranks")
    pool_factor: int = Field(default=4, ge=1, description="each lane returns limit * pool_factor candidates")
    min_pool: int = Field(default=30, ge=1, description="lower bound on a lane's pool, so small limits still fuse")
    hop_decay: float = Field(default=0.5, gt=0, le=1, description="score multiplier per extra hop")
    entity_link_similarity: float = Field(
        default=0.55, ge=-1, le=1, description="query-to-entity-name cosine above which an entity seeds the graph"
    )
    relation_limit: int = Field(default=10, ge=0, description="relations returned beside the memories")
    weights: LaneWeights = Field(default_factory=LaneWeights)


class MemoryConfig(_Strict):
    graph_store: GraphStoreConfig = Field(default_factory=EmbeddedGraphStore)
    embedder: EmbedderConfig = Field(default_factory=EmbedderConfig)
    llm: LlmConfig = Field(default_factory=LlmConfig)
    search: SearchConfig = Field(default_factory=SearchConfig)
    custom_prompt: str | None = Field(default=None, description="steers an LLM extractor; ignored by the rules")
    version: str = "v1"

    @classmethod
    def parse(cls, data: dict[str, Any] | None) -> MemoryConfig:
        """Validate a config dict, turning pydantic's report into one ``ConfigError`` naming the first bad key."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ConfigError("config", f"expected a mapping, got {type(data).__name__}")
        store = data.get("graph_store")
        if isinstance(store, dict) and "provider" not in store:  # the embedded store is the default provider
            data = {**data, "graph_store": {"provider": "embedded", **store}}
        try:
            return cls.model_validate(data)
        except PydanticValidationError as exc:
            first = exc.errors()[0]
            loc = [str(p) for p in first["loc"]]
            if loc[:1] == ["graph_store"] and len(loc) > 1 and loc[1] in _PROVIDER_TAGS:
                del loc[1]  # pydantic names the union member; users know the key path only
            field = ".".join(loc) or "config"
            if first["type"] == "union_tag_invalid":
                field = "graph_store.provider"
            if first["type"] == "extra_forbidden":
                raise ConfigError(field, "unknown configuration key") from None
            raise ConfigError(field, f"{first['msg']} (got {first.get('input')!r})") from None

    @classmethod
    def from_file(cls, path: str | Path) -> MemoryConfig:
        p = Path(path)
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError("config_file", f"no such file: {p}") from None
        except yaml.YAMLError as exc:
            raise ConfigError("config_file", f"{p} is not valid YAML: {exc}") from None
        return cls.parse(data or {})
