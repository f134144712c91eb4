"""The extractor seam: episode messages in, an ``Extraction`` out (facts, entities, relations)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from graphmem.models import Extraction, Message
from graphmem.providers.llm import Usage


class ExtractionContext(BaseModel):
    """What an extractor needs besides the messages.

    ``speaker`` is the name first-person words ("I", "me", "my") resolve to for user messages when the message
    itself names nobody; ``reference_time`` anchors relative dates; ``prompt`` steers an LLM extractor. A model-
    backed extractor adds what its calls cost to ``usage`` and sets ``images_read`` when it looked at images; it
    takes at most ``max_items`` facts, entities and relations (each) from its reply, and lists what it left out of
    the reply in ``dropped`` (``ingest.clean.dropped`` entries, which ``add`` reports).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    speaker: str = "User"
    reference_time: datetime | None = None
    prompt: str | None = None
    usage: Usage = Field(default_factory=Usage)
    images_read: bool = False
    max_items: int | None = None
    dropped: list[dict[str, Any]] = Field(default_factory=list)


@runtime_checkable
class Extractor(Protocol):
    name: str

    def extract(self, messages: list[Message], context: ExtractionContext) -> Extraction: ...
