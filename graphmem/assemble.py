"""Assembly: build the configured store, embedder, chat model, extractor and reranker from a ``MemoryConfig`` — the
one place that maps provider names to classes.

It sits above the layers (stores, providers, ingest, recall) and is the only module besides the facade that imports
from all of them; the layers themselves never import it, so dependencies point one way (a test reads the imports).
Providers are imported inside the functions that build them: the offline defaults never import the openai SDK or
langchain-core, and `import graphmem` (or `graphmem --help`) imports neither the Neo4j driver nor the rule tables.
"""

from __future__ import annotations

from typing import Any

from graphmem.config import (
    AzureTarget,
    EmbedAzureOpenAI,
    EmbedderConfig,
    EmbedLangChain,
    EmbedOpenAI,
    GraphStoreConfig,
    LlmAzureOpenAI,
    LlmConfig,
    LlmLangChain,
    LlmOpenAI,
    Neo4jGraphStore,
    RemoteCallSettings,
    RerankerConfig,
    RerankGraphDistance,
    RerankLlm,
    RerankMmr,
)
from graphmem.errors import ConfigError
from graphmem.ingest.extract import Extractor
from graphmem.ingest.llm_extract import LlmExtractor
from graphmem.providers.embed import Embedder
from graphmem.providers.llm import ChatModel
from graphmem.providers.local_minilm import LocalMiniLM
from graphmem.providers.rerank import CrossEncoder
from graphmem.recall.rerank import CrossEncoderReranker, GraphDistance, LlmReranker, Mmr, Reranker
from graphmem.stores.base import Store


def make_embedder(cfg: EmbedderConfig) -> Embedder:
    if isinstance(cfg, EmbedOpenAI | EmbedAzureOpenAI):
        from graphmem.providers.remote_embed import OpenAIEmbedder

        c = cfg.config
        return OpenAIEmbedder(c.model or "", dimensions=c.dimensions, batch_size=c.batch_size, **_connection(c))
    if isinstance(cfg, EmbedLangChain):
        from graphmem.providers.remote_embed import LangChainEmbedder

        lc = cfg.config
        return LangChainEmbedder(lc.model, dimensions=lc.dimensions, batch_size=lc.batch_size)
    return LocalMiniLM(model_path=cfg.config.model_path, batch_size=cfg.config.batch_size)


def make_chat_model(cfg: LlmConfig) -> ChatModel | None:
    """The configured chat model, or None for ``rules`` (which needs no model)."""
    if isinstance(cfg, LlmOpenAI | LlmAzureOpenAI):
        from graphmem.providers.openai_chat import OpenAIChat

        c = cfg.config
        return OpenAIChat(c.model or "", temperature=c.temperature, vision=c.vision, json_mode=c.json_mode,
                          **_connection(c))  # fmt: skip
    if isinstance(cfg, LlmLangChain):
        from graphmem.providers.langchain_chat import LangChainChat

        lc = cfg.config
        return LangChainChat(lc.model, vision=lc.vision, max_retries=lc.max_retries, backoff=lc.backoff)
    return None


def _connection(c: RemoteCallSettings) -> dict[str, Any]:
    """Client settings shared by OpenAI-compatible chat models and embedders, Azure's included."""
    azure = c if isinstance(c, AzureTarget) else None
    return {
        "api_key": c.api_key.get_secret_value() if c.api_key else None,
        "base_url": c.base_url, "timeout": c.timeout, "max_retries": c.max_retries, "backoff": c.backoff,
        "azure": azure is not None,
        "azure_endpoint": azure.azure_endpoint if azure else None,
        "api_version": azure.api_version if azure else None,
        "azure_deployment": azure.azure_deployment if azure else None,
    }  # fmt: skip


def make_store(cfg: GraphStoreConfig, dim: int) -> Store:
    if isinstance(cfg, Neo4jGraphStore):
        from graphmem.stores.neo4j import Neo4jStore

        c = cfg.config
        return Neo4jStore(c.url, c.username, c.password, c.database, dim, exact_limit=c.exact_limit)
    from graphmem.stores.embedded import EmbeddedStore

    return EmbeddedStore(cfg.config.resolved_path(), dim, create=cfg.config.create)


def make_extractor(chat: ChatModel | None, custom_prompt: str | None) -> Extractor:
    """A chat model when one is configured (one extraction call per add), else the offline rules."""
    if chat is not None:
        return LlmExtractor(chat, custom_prompt)
    from graphmem.ingest.rules import RuleExtractor

    return RuleExtractor()


def make_reranker(cfg: RerankerConfig | None, chat: ChatModel | None) -> Reranker | None:
    """The configured reranker, or None. The llm reranker uses its own chat model if given, else ``chat``."""
    if cfg is None:
        return None
    if isinstance(cfg, RerankMmr):
        return Mmr(cfg.config.lambda_mult, cfg.config.pool_factor)
    if isinstance(cfg, RerankGraphDistance):
        g = cfg.config
        return GraphDistance(g.weight, g.max_hops, g.fanout, g.pool_factor)
    if isinstance(cfg, RerankLlm):
        model = make_chat_model(cfg.config.llm) if cfg.config.llm is not None else chat
        if model is None:
            raise ConfigError(
                "reranker.config.llm",
                "the llm reranker needs a chat model: configure the top-level llm (openai, azure_openai, langchain) "
                "or give the reranker its own as reranker.config.llm",
            )
        return LlmReranker(model, cfg.config.max_chars, cfg.config.pool_factor)
    c = cfg.config
    encoder = CrossEncoder(c.model_path, batch_size=c.batch_size, max_seq_length=c.max_seq_length)
    return CrossEncoderReranker(encoder, c.pool_factor)
