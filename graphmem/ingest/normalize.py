"""Turn what a caller passes to ``add`` (a string, one message dict, or a list of them) into ``Message`` objects.

Image parts are kept by reference on the message (and so on the episode) even when nothing reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphmem.errors import ValidationError
from graphmem.models import Message

_KNOWN_KEYS = {"role", "content", "name", "actor_id"}


def normalize_messages(messages: Any) -> list[Message]:
    if isinstance(messages, str):
        items: list[Any] = [{"role": "user", "content": messages}]
    elif isinstance(messages, Mapping):
        items = [messages]
    elif isinstance(messages, list | tuple):
        items = list(messages)
    else:
        raise ValidationError(
            "messages", f"expected a string, a message dict or a list of them, got {type(messages).__name__}"
        )
    if not items:
        raise ValidationError("messages", "is empty: pass at least one message")
    out = [_message(item, f"messages[{i}]") for i, item in enumerate(items)]
    if not any(m.content.strip() or m.images for m in out):
        raise ValidationError("messages", "has no text or image content")
    return out


def _message(item: Any, where: str) -> Message:
    if isinstance(item, str):
        return Message(role="user", content=item)
    if not isinstance(item, Mapping):
        raise ValidationError(where, f"expected a dict with 'role' and 'content', got {type(item).__name__}")
    role = item.get("role", "user")
    if not isinstance(role, str) or not role:
        raise ValidationError(f"{where}.role", f"expected a non-empty string, got {role!r}")
    for key in ("name", "actor_id"):
        if item.get(key) is not None and not isinstance(item[key], str):
            raise ValidationError(f"{where}.{key}", f"expected a string, got {type(item[key]).__name__}")
    text, images = _content(item.get("content"), f"{where}.content")
    return Message(role=role, content=text, name=item.get("name"), actor_id=item.get("actor_id"), images=images)


def _content(content: Any, where: str) -> tuple[str, list[str]]:
    if content is None:
        raise ValidationError(where, "is missing")
    if isinstance(content, str):
        return content, []
    if not isinstance(content, list):
        raise ValidationError(where, f"expected a string or a list of parts, got {type(content).__name__}")
    texts: list[str] = []
    images: list[str] = []
    for i, part in enumerate(content):
        at = f"{where}[{i}]"
        if isinstance(part, str):
            texts.append(part)
            continue
        if not isinstance(part, Mapping):
            raise ValidationError(at, f"expected a content part dict, got {type(part).__name__}")
        kind = part.get("type")
        if kind == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif kind == "image_url":
            url = part.get("image_url")
            url = url.get("url") if isinstance(url, Mapping) else url
            if not isinstance(url, str) or not url:
                raise ValidationError(f"{at}.image_url", "expected {'url': '...'} or a URL string")
            images.append(url)
        else:
            raise ValidationError(f"{at}.type", f"expected 'text' (with a 'text' string) or 'image_url', got {kind!r}")
    return "\n".join(texts), images
