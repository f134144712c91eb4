"""Build the configured store, embedder and extractor: the one place that maps provider names to classes."""

from __future__ import annotations

from graphmem.config import EmbedderConfig, GraphStoreConfig, LlmConfig, Neo4jGraphStore
from graphmem.ingest.extract import Extractor
from graphmem.ingest.rules import RuleExtractor
from graphmem.providers.embed import Embedder
from graphmem.providers.local_minilm import LocalMiniLM
from graphmem.stores.base import Store
from graphmem.stores.embedded import EmbeddedStore
from graphmem.stores.neo4j import Neo4jStore


def make_embedder(cfg: EmbedderConfig) -> Embedder:
    return LocalMiniLM(model_path=cfg.config.model_path, batch_size=cfg.config.batch_size)


def make_store(cfg: GraphStoreConfig, dim: int) -> Store:
    if isinstance(cfg, Neo4jGraphStore):
        c = cfg.config
        return Neo4jStore(c.url, c.username, c.password, c.database, dim, exact_limit=c.exact_limit)
    return EmbeddedStore(cfg.config.resolved_path(), dim)


def make_extractor(cfg: LlmConfig) -> Extractor:
    """``rules`` is the only provider so far; LLM extractors join here."""
    return RuleExtractor()
