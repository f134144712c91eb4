"""Configuration: one pydantic model tree, mem0-shaped (`{"graph_store": {"provider", "config"}, ...}`).

Unknown keys are errors that name the key, so a typo never silently falls back to a default. Environment variables
are read when a config is built, never at import time.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationInfo, field_validator
from pydantic import ValidationError as PydanticValidationError

from graphmem.errors import ConfigError, ValidationError
from graphmem.home import default_store


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EmbeddedStoreSettings(_Strict):
    path: str | None = Field(default=None, description="SQLite file; default $GRAPHMEM_HOME/graphmem.db")
    create: bool = Field(
        default=True,
        description="create the file (and its folders) when missing; false: a missing store is a StoreError, so a "
        "mistyped path is reported instead of answered from a new, empty store",
    )

    def resolved_path(self) -> Path:
        return Path(self.path).expanduser() if self.path else default_store()


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
        default=50_000, ge=0, description="the most vectors a scope may have to be searched exactly (not by ANN)"
    )


class EmbeddedGraphStore(_Strict):
    provider: Literal["embedded"] = "embedded"
    config: EmbeddedStoreSettings = Field(default_factory=EmbeddedStoreSettings)


class Neo4jGraphStore(_Strict):
    provider: Literal["neo4j"]
    config: Neo4jSettings = Field(default_factory=Neo4jSettings)


GraphStoreConfig = Annotated[EmbeddedGraphStore | Neo4jGraphStore, Field(discriminator="provider")]


class LocalEmbedderSettings(_Strict):
    model_path: str | None = Field(default=None, description="Directory with MiniLM files; default: the package's")
    batch_size: int = Field(default=32, ge=1, le=1024)


class RemoteCallSettings(_Strict):
    """What every HTTP model client shares: bounded retries (the SDK's own are off) and a per-request timeout."""

    api_key: SecretStr | None = Field(default=None, description="default: OPENAI_API_KEY (AZURE_OPENAI_API_KEY)")
    base_url: str | None = Field(default=None, description="an OpenAI-compatible server: Ollama, vLLM, LM Studio, ...")
    timeout: float = Field(default=60.0, gt=0, description="seconds per request")
    max_retries: int = Field(default=3, ge=0, le=10, description="retries of 429/5xx/timeouts after the first try")
    backoff: float = Field(default=0.5, ge=0, description="base seconds of the exponential backoff")


def _require_deployment(value: str | None, info: ValidationInfo) -> str | None:
    """Azure addresses a deployment; ``model`` stands in for it when unset (declared first, so already checked)."""
    if not value and not info.data.get("model"):
        raise ValueError("Azure OpenAI needs azure_deployment (or model)")
    return value


def _check_langchain(value: Any, module: str, cls: str, method: str) -> Any:
    """Accept an instance of the LangChain class; imported here, never at import time (langchain is optional)."""
    try:
        base = getattr(importlib.import_module(module), cls)
    except ImportError:  # without langchain-core, anything shaped like one will do
        base = None
    ok = isinstance(value, base) if base is not None else callable(getattr(value, method, None))
    if not ok:
        raise ValueError(f"expected a LangChain {cls} instance, got {type(value).__name__}")
    return value


class _EmbedderCallSettings(RemoteCallSettings):
    dimensions: int | None = Field(default=None, ge=1, description="shortened vectors (text-embedding-3 models)")
    batch_size: int = Field(default=128, ge=1, le=2048)


class OpenAIEmbedderSettings(_EmbedderCallSettings):
    model: str = "text-embedding-3-small"


class AzureTarget(_Strict):
    """Where an Azure OpenAI deployment lives; shared by the Azure chat and embedding settings."""

    model: str | None = None
    azure_deployment: str | None = Field(default=None, validate_default=True)
    azure_endpoint: str | None = Field(default=None, description="default: AZURE_OPENAI_ENDPOINT")
    api_version: str | None = Field(default=None, description="default: OPENAI_API_VERSION")

    @field_validator("azure_deployment")
    @classmethod
    def _needs_deployment(cls, value: str | None, info: ValidationInfo) -> str | None:
        return _require_deployment(value, info)


class AzureOpenAIEmbedderSettings(_EmbedderCallSettings, AzureTarget):
    pass


class LangChainEmbedderSettings(_Strict):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    model: Any = Field(description="a langchain_core.embeddings.Embeddings instance")
    dimensions: int | None = Field(default=None, ge=1, description="the vectors' size; probed once when unset")
    batch_size: int = Field(default=128, ge=1, le=2048)

    @field_validator("model")
    @classmethod
    def _is_embeddings(cls, value: Any) -> Any:
        return _check_langchain(value, "langchain_core.embeddings", "Embeddings", "embed_documents")


class EmbedLocal(_Strict):
    provider: Literal["local"] = "local"
    config: LocalEmbedderSettings = Field(default_factory=LocalEmbedderSettings)


class EmbedOpenAI(_Strict):
    provider: Literal["openai"]
    config: OpenAIEmbedderSettings = Field(default_factory=OpenAIEmbedderSettings)


class EmbedAzureOpenAI(_Strict):
    provider: Literal["azure_openai"]
    config: AzureOpenAIEmbedderSettings


class EmbedLangChain(_Strict):
    provider: Literal["langchain"]
    config: LangChainEmbedderSettings


EmbedderConfig = Annotated[
    EmbedLocal | EmbedOpenAI | EmbedAzureOpenAI | EmbedLangChain, Field(discriminator="provider")
]


class _ChatCallSettings(RemoteCallSettings):
    temperature: float | None = Field(default=0.0, ge=0, le=2, description="null omits it (reasoning models)")
    vision: bool = Field(default=False, description="the model accepts image parts")
    json_mode: Literal["auto", "json_schema", "json_object"] = Field(
        default="auto", description="auto: json_schema, falling back to json_object where the server rejects it"
    )


class OpenAILlmSettings(_ChatCallSettings):
    model: str = "gpt-4.1-mini"


class AzureOpenAILlmSettings(_ChatCallSettings, AzureTarget):
    pass


class LangChainLlmSettings(_Strict):
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    model: Any = Field(description="a langchain_core.language_models.BaseChatModel instance")
    vision: bool = False
    max_retries: int = Field(default=0, ge=0, le=10, description="LangChain clients retry on their own")
    backoff: float = Field(default=0.5, ge=0)

    @field_validator("model")
    @classmethod
    def _is_chat_model(cls, value: Any) -> Any:
        return _check_langchain(value, "langchain_core.language_models", "BaseChatModel", "invoke")


class LlmRules(_Strict):
    """The offline default: the rule extractor, no model, no key."""

    provider: Literal["rules"] = "rules"
    config: dict[str, Any] = Field(default_factory=dict)


class LlmOpenAI(_Strict):
    provider: Literal["openai"]
    config: OpenAILlmSettings = Field(default_factory=OpenAILlmSettings)


class LlmAzureOpenAI(_Strict):
    provider: Literal["azure_openai"]
    config: AzureOpenAILlmSettings


class LlmLangChain(_Strict):
    provider: Literal["langchain"]
    config: LangChainLlmSettings


# Which model turns messages into facts. ``rules`` is the offline default (no model, no key).
LlmConfig = Annotated[LlmRules | LlmOpenAI | LlmAzureOpenAI | LlmLangChain, Field(discriminator="provider")]
# A real chat model (the llm reranker's own, where it should not use the extraction model).
ChatLlmConfig = Annotated[LlmOpenAI | LlmAzureOpenAI | LlmLangChain, Field(discriminator="provider")]


class _RerankSettings(_Strict):
    pool_factor: int = Field(
        default=3, ge=1, le=20, description="the reranker reorders the best limit * pool_factor fused results"
    )


class MmrSettings(_RerankSettings):
    lambda_mult: float = Field(
        default=0.7, ge=0, le=1, description="weight of relevance against novelty: 1 keeps the fused order"
    )


class GraphDistanceSettings(_RerankSettings):
    weight: float = Field(
        default=0.5, ge=0, le=1, description="share of the score given to graph proximity; the rest is the fused score"
    )
    max_hops: int = Field(
        default=2, ge=0, le=5, description="entities further from the query's entities count as unreachable"
    )
    fanout: int = Field(default=50, ge=1, description="relations followed per entity per hop, newest first")


class LlmRerankSettings(_RerankSettings):
    llm: ChatLlmConfig | None = Field(default=None, description="a chat model of its own; default: the top-level llm")
    max_chars: int = Field(default=500, ge=20, description="each candidate's text is cut to this length in the prompt")


class CrossEncoderSettings(_RerankSettings):
    model_path: str = Field(
        description="directory with a BERT cross-encoder's config.json, tokenizer.json, model.safetensors"
    )
    batch_size: int = Field(default=16, ge=1, le=1024, description="query-memory pairs per forward pass")
    max_seq_length: int | None = Field(
        default=None, ge=2, description="tokens per pair, longest text cut first; default: the model's limit"
    )


class RerankMmr(_Strict):
    """Maximal marginal relevance over memory embeddings: near-duplicates of what is already ranked drop."""

    provider: Literal["mmr"]
    config: MmrSettings = Field(default_factory=MmrSettings)


class RerankGraphDistance(_Strict):
    """Memories whose entities are few hops from the query's entities move up."""

    provider: Literal["graph_distance"]
    config: GraphDistanceSettings = Field(default_factory=GraphDistanceSettings)


class RerankLlm(_Strict):
    """One chat-model call orders the candidates."""

    provider: Literal["llm"]
    config: LlmRerankSettings = Field(default_factory=LlmRerankSettings)


class RerankCrossEncoder(_Strict):
    """A local BERT cross-encoder (e.g. ms-marco-MiniLM-L-6-v2) scores each query-memory pair, in numpy."""

    provider: Literal["cross_encoder"]
    config: CrossEncoderSettings


# What ``search(..., rerank=True)`` applies to the fused results; none unless configured.
RerankerConfig = Annotated[
    RerankMmr | RerankGraphDistance | RerankLlm | RerankCrossEncoder, Field(discriminator="provider")
]

# Sections whose value is a union tagged by ``provider``: a missing provider means the default one (where there is
# one), and the tag pydantic puts in error locations is dropped (users know the key path only).
_UNION_SECTIONS: dict[str, tuple[str | None, frozenset[str]]] = {
    "graph_store": ("embedded", frozenset({"embedded", "neo4j"})),
    "embedder": ("local", frozenset({"local", "openai", "azure_openai", "langchain"})),
    "llm": ("rules", frozenset({"rules", "openai", "azure_openai", "langchain"})),
    "reranker": (None, frozenset({"mmr", "graph_distance", "llm", "cross_encoder"})),
}


class LaneWeights(_Strict):
    """Weights of each lane in reciprocal-rank fusion; 0 turns a lane off. Defaults chosen on LoCoMo and HotpotQA
    (benchmarks/quality.py, README "Performance"): BM25 is the strongest single lane on conversational recall."""

    vector: float = Field(default=0.7, ge=0)
    bm25: float = Field(default=1.0, ge=0)
    graph: float = Field(default=0.3, ge=0)


class RecipeWeights(_Strict):
    """A recipe's lane weights; a lane left out keeps its configured ``search.weights`` value."""

    vector: float | None = Field(default=None, ge=0)
    bm25: float | None = Field(default=None, ge=0)
    graph: float | None = Field(default=None, ge=0)


class SearchRecipe(_Strict):
    """How one search ranks, as data: which lanes run and what each counts in fusion (a lane with weight 0 is not
    run at all: no store call), how wide the lanes' pools are, the fusion constant, and what reranks.

    Fields left unset keep the configured ``search.*`` values, so the ``default`` recipe (nothing set) is exactly
    the configured search. A ``reranker`` here reorders every search that uses the recipe (``rerank=True`` not
    needed); without one, ``rerank=True`` applies the top-level ``reranker``.
    """

    weights: RecipeWeights = Field(default_factory=RecipeWeights)
    rrf_k: int | None = Field(default=None, ge=1, description="reciprocal-rank fusion constant")
    pool_factor: int | None = Field(default=None, ge=1, description="each lane returns limit * pool_factor candidates")
    min_pool: int | None = Field(default=None, ge=1, description="lower bound on a lane's pool")
    reranker: RerankerConfig | None = Field(default=None, description="reorders every search with this recipe")


# The named recipes. ``keyword`` and ``semantic`` are single lanes (BM25, vector). ``graph`` lets the walk lead: its
# lane counts 1 against 0.3 for each text lane, so the walk's first hit (1/11 at rrf_k 10) outranks a memory both
# text lanes rank first (0.6/11), and the walk's order decides among what it reaches. The text lanes are kept low
# rather than off: when the query names no entity the graph knows the walk finds nothing, and they still fill the
# list; among memories the walk scores alike they break the tie toward the one that reads like the query.
RECIPES: dict[str, SearchRecipe] = {
    "default": SearchRecipe(),
    "keyword": SearchRecipe(weights=RecipeWeights(vector=0, bm25=1, graph=0)),
    "semantic": SearchRecipe(weights=RecipeWeights(vector=1, bm25=0, graph=0)),
    "graph": SearchRecipe(weights=RecipeWeights(vector=0.3, bm25=0.3, graph=1)),
}


def named_recipe(name: str) -> SearchRecipe:
    """The preset called ``name``; a ValueError listing the names otherwise (callers add the field)."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; the named recipes are {', '.join(sorted(RECIPES))}")
    return RECIPES[name]


class SearchConfig(_Strict):
    max_hops: int = Field(default=2, ge=0, le=5, description="graph expansion depth from linked entities")
    fanout: int = Field(default=50, ge=1, description="edges followed per entity per hop, strongest first")
    rrf_k: int = Field(default=10, ge=1, description="reciprocal-rank fusion constant; larger flattens ranks")
    pool_factor: int = Field(default=4, ge=1, description="each lane returns limit * pool_factor candidates")
    min_pool: int = Field(default=30, ge=1, description="lower bound on a lane's pool, so small limits still fuse")
    hop_decay: float = Field(default=0.9, gt=0, le=1, description="score multiplier per extra hop")
    beam: int = Field(default=100, ge=1, description="entities carried on to the next hop, strongest first")
    relevance_power: float = Field(
        default=1.0, ge=0, le=10, description="sharpens relation relevance: higher follows the query's types harder"
    )
    entity_link_similarity: float = Field(
        default=0.55, ge=-1, le=1, description="query-to-entity-name cosine above which an entity seeds the graph"
    )
    relation_limit: int = Field(default=10, ge=0, description="relations returned beside the memories")
    weights: LaneWeights = Field(default_factory=LaneWeights)
    recipe: SearchRecipe = Field(
        default_factory=SearchRecipe,
        description="what search uses unless a call names another: a name (default, keyword, semantic, graph) or a "
        "recipe of its own; it overrides the search.* values it sets",
    )

    @field_validator("recipe", mode="before")
    @classmethod
    def _named(cls, value: Any) -> Any:
        return named_recipe(value) if isinstance(value, str) else value

    def using(self, recipe: SearchRecipe | None = None) -> SearchConfig:
        """These settings with ``recipe`` (default: the configured one) laid over them: what one search runs with."""
        r = self.recipe if recipe is None else recipe
        weights = self.weights.model_copy(update=r.weights.model_dump(exclude_none=True))
        changed = r.model_dump(include={"rrf_k", "pool_factor", "min_pool"}, exclude_none=True)
        return self.model_copy(update={**changed, "weights": weights})


class ReconcileConfig(_Strict):
    """Cut-offs for what counts as 'maybe the same thing' when new information arrives (cosine similarity)."""

    entity_merge: float = Field(default=0.95, ge=-1, le=1, description="merge without asking at or above this")
    entity_candidate: float = Field(default=0.80, ge=-1, le=1, description="ask the model about entities above this")
    fact_candidate: float = Field(default=0.75, ge=-1, le=1, description="ask the model about facts above this")
    candidates: int = Field(default=3, ge=1, le=20, description="existing records shown per new item")


def _first_error(exc: PydanticValidationError, root: str, prefix: tuple[str, ...] = ()) -> tuple[str, str]:
    """pydantic's first error as (the key path users know, a message)."""
    first = exc.errors()[0]
    raw = [*prefix, *(str(p) for p in first["loc"])]
    # pydantic names the union member after a union-valued key (also a nested one, such as reranker.config.llm);
    # users know the key path only.
    no_tags: tuple[str | None, frozenset[str]] = (None, frozenset())
    loc = [p for i, p in enumerate(raw) if not (i and p in _UNION_SECTIONS.get(raw[i - 1], no_tags)[1])]
    field = ".".join(loc) or root
    if first["type"] in ("union_tag_invalid", "union_tag_not_found"):
        field = f"{field}.provider"
    if first["type"] == "extra_forbidden":
        return field, "unknown configuration key"
    message = first["msg"].removeprefix("Value error, ")  # a validator's own message needs no pydantic preamble
    return field, f"{message} (got {first.get('input')!r})"


def parse_recipe(value: Any, field: str = "recipe") -> SearchRecipe:
    """A search recipe given by a caller: a preset's name, a ``SearchRecipe``, or a dict of one. A ValidationError
    names the bad key (``recipe.weights.bm25``) or, for an unknown name, lists the named recipes."""
    if isinstance(value, SearchRecipe):
        return value
    if isinstance(value, str):
        try:
            return named_recipe(value)
        except ValueError as exc:
            raise ValidationError(field, str(exc)) from None
    if not isinstance(value, Mapping):
        raise ValidationError(field, f"expected a recipe name, SearchRecipe or dict, got {type(value).__name__}")
    try:
        return SearchRecipe.model_validate(dict(value))
    except PydanticValidationError as exc:
        raise ValidationError(*_first_error(exc, field, (field,))) from None


class LimitsConfig(_Strict):
    """Bounds on the work and the input one call may bring (issue 11): every entry point checks them and answers a
    ``ValidationError`` naming the field, or truncates where it says so. The id and name bounds are what every
    supported engine can index (Neo4j refuses index keys above about 8 KB; 512 characters of UTF-8 stay under 2 KB)."""

    max_id_chars: int = Field(
        default=256, ge=1, le=4096, description="user_id, agent_id, run_id, memory and episode ids"
    )
    max_name_chars: int = Field(default=512, ge=1, le=4096, description="entity names and aliases")
    max_type_chars: int = Field(default=100, ge=1, le=1024, description="relation and entity types")
    max_input_chars: int = Field(
        default=200_000, ge=1, description="all message text of one add (or one update's new text); more is refused"
    )
    max_query_chars: int = Field(
        default=2_000, ge=1, description="a search query longer than this is truncated (the embedder reads less)"
    )
    max_results: int = Field(default=10_000, ge=1, description="the largest limit / top_k a call may ask for")
    max_filter_depth: int = Field(default=32, ge=1, le=100, description="nesting of AND / OR / NOT in filters")
    max_filter_values: int = Field(default=1_000, ge=1, description="values in one in / nin list")
    max_metadata_depth: int = Field(default=16, ge=1, le=100, description="nesting of dicts and lists in metadata")
    max_extracted: int = Field(
        default=500, ge=1, description="facts, entities and relations taken from one model reply (each); the rest are "
        "reported as dropped"
    )  # fmt: skip
    max_triples: int = Field(default=100_000, ge=1, description="triples in one add_triples call")
    max_graph_hops: int = Field(default=6, ge=1, le=20, description="the deepest neighbors / paths search")
    path_budget: int = Field(
        default=50_000, ge=1, description="edges a paths or neighbors search may read before it answers what it found"
    )


# mem0 config keys that have no place here, and what a mem0 user should do instead (docs/coming-from-mem0.md).
MEM0_ONLY_KEYS: dict[str, str] = {
    "vector_store": "vectors live in the graph store beside the memories, entities and relations they embed; "
    "remove vector_store and choose the store with graph_store (provider embedded or neo4j)",
    "history_db_path": "history is kept in the graph store with everything else; remove history_db_path "
    "(the embedded store's file is graph_store.config.path)",
    "version": "there is one output format ({'results': [...], 'relations': [...]}, mem0's v1.1); remove version",
    "custom_fact_extraction_prompt": "use custom_prompt (it steers the LLM extractor)",
    "custom_update_memory_prompt": "reconciliation has no prompt of its own to replace; remove it (custom_prompt "
    "steers extraction, the reconcile section sets its cut-offs)",
}


class MemoryConfig(_Strict):
    graph_store: GraphStoreConfig = Field(default_factory=EmbeddedGraphStore)
    embedder: EmbedderConfig = Field(default_factory=EmbedLocal)
    llm: LlmConfig = Field(default_factory=LlmRules)
    search: SearchConfig = Field(default_factory=SearchConfig)
    reconcile: ReconcileConfig = Field(default_factory=ReconcileConfig)
    reranker: RerankerConfig | None = Field(default=None, description="what search(..., rerank=True) applies")
    custom_prompt: str | None = Field(default=None, description="steers an LLM extractor; ignored by the rules")
    limits: LimitsConfig = Field(default_factory=LimitsConfig)

    @classmethod
    def parse(cls, data: dict[str, Any] | None) -> MemoryConfig:
        """Validate a config dict, turning pydantic's report into one ``ConfigError`` naming the first bad key."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ConfigError("config", f"expected a mapping, got {type(data).__name__}")
        for key, instead in MEM0_ONLY_KEYS.items():
            if key in data:
                raise ConfigError(key, f"a mem0 setting graphmem does not use: {instead}")
        for section, (default, _) in _UNION_SECTIONS.items():
            value = data.get(section)
            if isinstance(value, dict) and "provider" not in value and default is not None:
                data = {**data, section: {"provider": default, **value}}  # a section without provider: the default
        try:
            return cls.model_validate(data)
        except PydanticValidationError as exc:
            field, message = _first_error(exc, "config")
            raise ConfigError(field, message) from None

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
