"""Names, types and texts from outside (a model's reply, a caller's triples) checked item by item (issue 11).

What a model says is data, not code: an entity named ``!!!``, a relation typed ``123`` or a 10,000-character name
must never fail an ``add``. ``settle`` normalizes what it can (text cleaned of NUL, control characters and lone
surrogates; an entity type that is no label becomes ``Entity``) and leaves out what it cannot (a name of
punctuation only, one longer than ``limits.max_name_chars``, a relation type that is no edge type, a relation from
an entity to itself), each with the reason, which ``add`` reports. The same checks (``name_problem``, ``relation_type``,
``entity_type``, ``unsafe``) tell a caller's bad triple apart from a good one (``ingest.triples``).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from graphmem.config import LimitsConfig
from graphmem.errors import ValidationError
from graphmem.models import (
    ExtractedEntity,
    ExtractedFact,
    ExtractedRelation,
    Extraction,
    normalize_entity_type,
    normalize_name,
    normalize_relation_type,
)
from graphmem.validate import NOT_IN_TEXT

_UNSAFE_RE = NOT_IN_TEXT  # NUL, control characters but tab and line breaks, lone surrogates (graphmem.validate)
_SHOWN_CHARS = 200  # how much of a long text a report repeats


def unsafe(text: str) -> str | None:
    """Why ``text`` cannot be stored as it is (NUL, a control character, a lone surrogate), else ``None``."""
    found = _UNSAFE_RE.search(text)
    if found is None:
        return None
    char = found.group()
    kind = "a lone surrogate" if "\ud800" <= char <= "\udfff" else "NUL" if char == "\x00" else "a control character"
    return f"holds {kind} (U+{ord(char):04X}) at position {found.start()}"


def clean(text: str) -> str:
    """``text`` with NUL, control characters and lone surrogates turned into spaces, whitespace collapsed."""
    return " ".join(_UNSAFE_RE.sub(" ", text).split())


def shown(value: Any) -> Any:
    """``value`` as a report repeats it: JSON-safe (lone surrogates become U+FFFD), long texts and lists cut."""
    if isinstance(value, str):
        text = value if len(value) <= _SHOWN_CHARS else value[:_SHOWN_CHARS] + "…"
        return _UNSAFE_RE.sub("\ufffd", text) if _UNSAFE_RE.search(text) else text
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, dict):
        return {str(shown(k)): shown(v) for k, v in list(value.items())[:20]}
    if isinstance(value, list | tuple):
        return [shown(v) for v in list(value)[:20]]
    return shown(repr(value))


def name_problem(name: str, limits: LimitsConfig) -> str | None:
    """Why ``name`` cannot name an entity, else ``None``: too long for every engine to index, unsafe characters,
    or only punctuation (``"``, ``((``, ``:``, ``_``)."""
    if len(name) > limits.max_name_chars:
        return f"is {len(name)} characters long (limits.max_name_chars is {limits.max_name_chars})"
    problem = unsafe(name)
    if problem is not None:
        return problem
    if not normalize_name(name) or all(unicodedata.category(c)[0] in "PZC" for c in name):
        return f"{shown(name)!r} is only punctuation: nothing to name an entity by"
    return None


def relation_type(raw: str, limits: LimitsConfig) -> str:
    """The UPPER_SNAKE edge type of ``raw``, or ``ValidationError`` saying why it is none."""
    if len(raw) > limits.max_type_chars:
        raise ValidationError("relation.type", f"is {len(raw)} characters long (limits.max_type_chars is "
                                               f"{limits.max_type_chars})")  # fmt: skip
    return normalize_relation_type(raw)


def entity_type(raw: str | None, limits: LimitsConfig) -> str:
    """The label of ``raw`` (``Entity`` when empty), or ``ValidationError`` saying why it is none."""
    if raw is not None and len(raw) > limits.max_type_chars:
        raise ValidationError("entity.type", f"is {len(raw)} characters long (limits.max_type_chars is "
                                             f"{limits.max_type_chars})")  # fmt: skip
    return normalize_entity_type(raw)


def dropped(kind: str, index: int | None, item: Any, reason: str) -> dict[str, Any]:
    """One left-out item as ``AddResult.dropped`` lists it."""
    return {"kind": kind, "index": index, "item": shown(item), "reason": reason}


def settle(extraction: Extraction, limits: LimitsConfig) -> tuple[Extraction, list[dict[str, Any]]]:
    """An extraction whose every item can be stored, and the items left out (with why). Texts are cleaned; entity
    types that are no label become ``Entity``; names that cannot name an entity, relation types that are no edge
    type and relations from an entity to itself are left out, and so are a fact's mentions of such names."""
    out: list[dict[str, Any]] = []
    entities: list[ExtractedEntity] = []
    for i, e in enumerate(extraction.entities):
        name = clean(e.name)
        problem = name_problem(name, limits)
        if problem is not None:
            out.append(dropped("entity", extraction.position("entities", i), e.model_dump(), f"name {problem}"))
            continue
        try:
            kind = entity_type(clean(e.type), limits)
        except ValidationError:
            kind = "Entity"
        aliases = [a for a in (clean(a) for a in e.aliases[: limits.max_extracted]) if name_problem(a, limits) is None]
        entities.append(ExtractedEntity(name=name, type=kind, aliases=list(dict.fromkeys(aliases))))
    relations: list[ExtractedRelation] = []
    for i, r in enumerate(extraction.relations):
        source, target = clean(r.source), clean(r.target)
        problem = next((f"{end} {p}" for end, p in (("source", name_problem(source, limits)),
                                                    ("target", name_problem(target, limits))) if p), None)  # fmt: skip
        try:
            rel = relation_type(r.type, limits)
        except ValidationError as exc:
            problem = problem or f"type {str(exc).split(': ', 1)[-1]}"
            rel = ""
        if problem is None and normalize_name(source) == normalize_name(target):
            problem = "source and target are the same entity"
        if problem is not None:
            out.append(dropped("relation", extraction.position("relations", i), r.model_dump(mode="json"), problem))
            continue
        fact = clean(r.fact) or f"{source} {rel.lower().replace('_', ' ')} {target}"
        relations.append(r.model_copy(update={"source": source, "target": target, "type": rel, "fact": fact}))
    facts: list[ExtractedFact] = []
    for i, f in enumerate(extraction.facts):
        text = clean(f.text)
        if not text:
            out.append(dropped("fact", extraction.position("facts", i), f.model_dump(), "text is empty once cleaned"))
            continue
        names = [n for n in (clean(n) for n in f.entities[: limits.max_extracted]) if name_problem(n, limits) is None]
        categories = [c for c in (clean(c) for c in f.categories[: limits.max_extracted]) if c]
        facts.append(f.model_copy(update={"text": text, "entities": names, "categories": categories}))
    speaker = clean(extraction.speaker or "")
    settled = Extraction(facts=facts, entities=entities, relations=relations,
                         speaker=speaker if name_problem(speaker, limits) is None else None)  # fmt: skip
    return settled, out


def capped(extraction: Extraction, limit: int) -> tuple[Extraction, list[dict[str, Any]]]:
    """At most ``limit`` facts, entities and relations (each) from one model reply. The rest of a list is reported
    as one entry (its first item, and how many there were), so the report stays as bounded as the work."""
    out: list[dict[str, Any]] = []
    kept: dict[str, list[Any]] = {}
    for key, kind in (("facts", "fact"), ("entities", "entity"), ("relations", "relation")):
        items: list[Any] = getattr(extraction, key)
        kept[key] = items[:limit]
        if len(items) > limit:
            reason = (f"{len(items) - limit} {key} from index {limit} on were left out: one reply may give at most "
                      f"{limit} (limits.max_extracted)")  # fmt: skip
            out.append(dropped(kind, extraction.position(key, limit), items[limit].model_dump(mode="json"), reason))
    if not out:
        return extraction, out
    return extraction.model_copy(update=kept), out
