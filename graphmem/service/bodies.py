"""Request bodies of the REST routes: the ``Memory`` method's parameters, by the same names, as pydantic models.

The answers are the library's own result models (``graphmem.results``), named in each route's OpenAPI entry. The
bodies check types only (a wrong type is a 422 naming the field before the library runs); every rule about values
(bounds, characters, scope required) stays in the library, so the REST edge and ``Memory`` refuse alike. Unknown
fields are refused too: a misspelt ``user_id`` must not turn a scoped call into a refused or wider one.
"""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr


class ScopeIds(BaseModel):
    """mem0's three scope ids. The tenant is never here: it comes from the API key."""

    model_config = ConfigDict(extra="forbid")

    user_id: StrictStr | None = None
    agent_id: StrictStr | None = None
    run_id: StrictStr | None = None

    def ids(self) -> dict[str, str]:
        return {k: v for k, v in (("user_id", self.user_id), ("agent_id", self.agent_id),
                                  ("run_id", self.run_id)) if v is not None}  # fmt: skip


class AddBody(ScopeIds):
    messages: Any = Field(description="A string, one {role, content} message, or a list of them")
    metadata: dict[str, Any] | None = None
    infer: StrictBool = True
    prompt: StrictStr | None = None
    triples: list[Any] | None = Field(
        default=None, description="Your own extraction's relations, as add_triples takes them (no model call)"
    )
    facts: list[Any] | None = Field(
        default=None, description="Your own extraction's facts: strings or {text, entities, categories} (default: "
        "the text itself)",
    )  # fmt: skip


class SearchBody(ScopeIds):
    query: StrictStr
    limit: StrictInt | None = Field(default=None, description="How many memories (default 10); top_k is the same")
    top_k: StrictInt | None = Field(default=None, description="mem0 2.x's name for limit")
    filters: dict[str, Any] | None = Field(
        default=None, description='Filter tree; scope ids may come here too: {"AND": [{"user_id": "alice"}]}'
    )
    threshold: StrictInt | StrictFloat | None = None
    rerank: StrictBool = False
    as_of: StrictStr | None = Field(default=None, description="ISO-8601 time: what was believed true then")
    recipe: StrictStr | dict[str, Any] | None = None


class ContextBody(ScopeIds):
    query: StrictStr
    max_tokens: StrictInt = Field(default=1000, description="The block's budget (tokens estimated: 4 characters each)")
    limit: StrictInt | None = Field(default=None, description="How many memories to search for (default 10)")
    top_k: StrictInt | None = Field(default=None, description="mem0 2.x's name for limit")
    filters: dict[str, Any] | None = Field(default=None, description="Filter tree; scope ids may come here too")
    threshold: StrictInt | StrictFloat | None = None
    as_of: StrictStr | None = Field(default=None, description="ISO-8601 time: what was believed true then")


class UpdateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data: StrictStr = Field(validation_alias=AliasChoices("data", "text"), description="The memory's new text")


class TriplesBody(ScopeIds):
    triples: list[Any] = Field(description='["s", "r", "o"] lists or {"source", "relationship", "destination"} dicts')
    metadata: dict[str, Any] | None = None


class PathsBody(ScopeIds):
    source: StrictStr
    target: StrictStr
    max_hops: StrictInt = 3
    limit: StrictInt = 10


class ImportBody(ScopeIds):
    records: list[Any] = Field(description="Records as GET /export writes them, one per episode")


class RetryBody(ScopeIds):
    stale_after_seconds: StrictInt | StrictFloat | None = Field(
        default=None, description="Retry pending episodes older than this too (default: 600)"
    )


class Message(BaseModel):
    """A plain confirmation (``reset``, ``health``)."""

    message: str


class ErrorBody(BaseModel):
    """Every error answer: ``detail`` for a person; ``field`` names the input at fault (422, 413); ``kind`` and
    ``id`` say what was not found (404)."""

    detail: str
    field: str | None = None
    kind: str | None = None
    id: str | None = None
