"""Check what a caller passes to ``add`` / ``add_triples`` before anything is stored.

Messages (a string, one message dict, or a list of them) become ``Message`` objects; image parts are kept by
reference on the message (and so on the episode) even when nothing reads them. Metadata must be JSON, so that it
reads back exactly as written on every backend instead of being turned into strings on the way in.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from graphmem.errors import ValidationError
from graphmem.models import Message

_KNOWN_KEYS = {"role", "content", "name", "actor_id"}
# The roles a caller may send (OpenAI's chat roles). Internal episodes use others (``add_triples`` stores its input
# as one "triples" message of JSON data), but those are built by graphmem itself, never accepted from a caller.
ROLES = ("user", "assistant", "system", "tool")
_JSON_VALUES = "a JSON value (str, int, finite float, bool, None, or a list/dict of those)"


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
    if role not in ROLES:
        raise ValidationError(f"{where}.role", f"expected one of {', '.join(ROLES)}, got {role!r}")
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


def normalize_metadata(metadata: Any) -> dict[str, Any]:
    """A JSON copy of the caller's metadata, or a ``ValidationError`` naming the first bad value.

    String keys; values JSON all the way down (``metadata.key``, ``metadata.key[2]``, ``metadata.key.sub`` name the
    culprit). NaN and infinity are refused (JSON has no such numbers), and so are sets, bytes, datetimes and other
    objects: storing ``str(value)`` would hand back something else than was put in. A tuple is stored as a list.
    ``categories`` holds the memory's categories, so it must be a string or a list of strings.
    """
    if metadata is None:
        return {}
    if not isinstance(metadata, Mapping):
        raise ValidationError("metadata", f"expected a dict, got {type(metadata).__name__}")
    out = _json_object(metadata, "metadata")
    categories = out.get("categories")
    listed = [categories] if isinstance(categories, str) else categories
    if categories is not None and not (
        isinstance(listed, list) and all(isinstance(c, str) and c.strip() for c in listed)
    ):
        raise ValidationError(
            "metadata.categories", f"expected a non-empty string or a list of them, got {categories!r}"
        )
    return out


def _json_object(value: Mapping[Any, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            raise ValidationError(where, f"keys must be strings, got {type(key).__name__} {key!r}")
        out[key] = _json_value(item, f"{where}.{key}")
    return out


def _json_value(value: Any, where: str) -> Any:
    if value is None or isinstance(value, str | bool | int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValidationError(where, f"expected a finite number, got {value!r} (JSON has no NaN or infinity)")
        return value
    if isinstance(value, list | tuple):
        return [_json_value(item, f"{where}[{i}]") for i, item in enumerate(value)]
    if isinstance(value, Mapping):
        return _json_object(value, where)
    raise ValidationError(where, f"expected {_JSON_VALUES}, got {type(value).__name__}")
