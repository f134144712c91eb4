"""The extractor seam: episode messages in, an ``Extraction`` out (facts, entities, relations)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, runtime_checkable

from pydantic import BaseModel

from graphmem.models import Extraction, Message


class ExtractionContext(BaseModel):
    """What an extractor needs besides the messages.

    ``speaker`` is the name first-person words ("I", "me", "my") resolve to for user messages when the message
    itself names nobody; ``reference_time`` anchors relative dates; ``prompt`` steers an LLM extractor.
    """

    speaker: str = "User"
    reference_time: datetime | None = None
    prompt: str | None = None


@runtime_checkable
class Extractor(Protocol):
    name: str

    def extract(self, messages: list[Message], context: ExtractionContext) -> Extraction: ...
