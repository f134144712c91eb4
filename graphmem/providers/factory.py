"""Build the configured store, embedder and extractor. The one place that maps provider names to classes."""

from __future__ import annotations

from graphmem.config import EmbedderConfig, GraphStoreConfig, LlmConfig
from graphmem.ingest.extract import Extractor
from graphmem.providers.embed import Embedder
from graphmem.stores.base import Store


def make_embedder(cfg: EmbedderConfig) -> Embedder:
    from graphmem.providers.local_minilm import LocalMiniLM

    return LocalMiniLM(model_path=cfg.config.model_path, batch_size=cfg.config.batch_size)


def make_store(cfg: GraphStoreConfig, dim: int) -> Store:
    from graphmem.stores.embedded import EmbeddedStore

    return EmbeddedStore(cfg.config.resolved_path(), dim)


def make_extractor(cfg: LlmConfig) -> Extractor:
    from graphmem.ingest.rules import RuleExtractor

    return RuleExtractor()
