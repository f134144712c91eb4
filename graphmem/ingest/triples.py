"""``add_triples`` input: known (source, relation, target) triples as tuples or dicts, checked and normalized.

Two kinds of bad input are told apart. A triple of the wrong shape (not three strings, a missing end) is the
caller's mistake in building the call: ``ValidationError`` naming it, nothing stored. A triple of the right shape
whose content cannot be stored (a name of punctuation only such as ``"`` or ``((``, one longer than
``limits.max_name_chars``, a type that is no edge type or label, NUL, control characters, lone surrogates) is left
out and reported in the result's ``dropped`` with its index and reason, and the others are stored (issue 11: nothing
dropped silently). When no triple is left, the first one's reason is the ``ValidationError``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graphmem.config import LimitsConfig
from graphmem.errors import ValidationError
from graphmem.ingest.clean import dropped, entity_type, name_problem, relation_type, unsafe
from graphmem.models import ExtractedEntity, ExtractedRelation, Extraction


def triples_extraction(triples: Iterable[Any], limits: LimitsConfig | None = None) -> Extraction:
    """Accepts ``(source, relation, target)`` or dicts with ``source``, ``relationship`` (or ``type``),
    ``destination`` (or ``target``), and optional ``fact``, ``source_type``, ``destination_type``, ``valid_at``.
    More than ``limits.max_triples`` in one call is a ``ValidationError``."""
    limits = limits or LimitsConfig()
    if isinstance(triples, str | bytes | Mapping):
        raise ValidationError("triples", "expected a list of triples")
    too_many = ValidationError("triples", f"holds more than {limits.max_triples} triples (limits.max_triples): "
                                          "split it into several calls")  # fmt: skip
    if hasattr(triples, "__len__") and len(triples) > limits.max_triples:  # type: ignore[arg-type]
        raise too_many
    entities: dict[str, ExtractedEntity] = {}
    relations: list[ExtractedRelation] = []
    left_out: list[dict[str, Any]] = []
    first_problem: ValidationError | None = None
    rel_types: dict[str, str | ValidationError] = {}  # relation as given -> its type, or why none (once a spelling)
    for i, triple in enumerate(triples):
        if i >= limits.max_triples:
            raise too_many
        at = f"triples[{i}]"
        if isinstance(triple, Mapping):
            source = triple.get("source")
            rel = triple.get("relationship", triple.get("type"))
            target = triple.get("destination", triple.get("target"))
            fact, valid_at = triple.get("fact"), triple.get("valid_at")
            types = (triple.get("source_type"), triple.get("destination_type", triple.get("target_type")))
        elif isinstance(triple, list | tuple) and len(triple) == 3:
            source, rel, target = triple
            fact, valid_at, types = None, None, (None, None)
        else:
            raise ValidationError(at, f"expected (source, relation, target) or a dict, got {triple!r}")
        for name, value in (("source", source), ("relationship", rel), ("destination", target)):
            if not isinstance(value, str) or not value.strip():
                raise ValidationError(f"{at}.{name}", f"expected a non-empty string, got {value!r}")
        assert isinstance(source, str) and isinstance(rel, str) and isinstance(target, str)
        if rel not in rel_types:
            try:
                rel_types[rel] = relation_type(rel, limits)
            except ValidationError as exc:
                rel_types[rel] = exc
        rel_type = rel_types[rel]
        problem = _content_problem(source, rel_type, target, fact, types, limits)
        if problem is not None:
            field, message = problem
            first_problem = first_problem or ValidationError(f"{at}.{field}", message)
            left_out.append(dropped("triple", i, triple, f"{field}: {message}"))
            continue
        assert isinstance(rel_type, str)
        for name, kind in ((source, types[0]), (target, types[1])):
            if name not in entities or (kind and entities[name].type == "Entity"):
                entities[name] = ExtractedEntity(name=name, type=kind or "Entity")
        sentence = (
            fact
            if isinstance(fact, str) and fact.strip()
            else f"{source} {rel_type.lower().replace('_', ' ')} {target}"
        )
        relations.append(
            ExtractedRelation(source=source, type=rel_type, target=target, fact=sentence, valid_at=valid_at)
        )
    if not relations:
        raise first_problem or ValidationError("triples", "is empty: pass at least one triple")
    out = Extraction(entities=list(entities.values()), relations=relations)
    out.dropped.extend(left_out)
    return out


def _content_problem(
    source: str, rel_type: str | ValidationError, target: str, fact: Any, types: tuple[Any, Any], limits: LimitsConfig
) -> tuple[str, str] | None:
    """The first field of a well-shaped triple that cannot be stored, and why; ``None`` when all can."""
    for field, name in (("source", source), ("destination", target)):
        problem = name_problem(name, limits)
        if problem is not None:
            return field, problem
    if isinstance(rel_type, ValidationError):
        return "relationship", str(rel_type).split(": ", 1)[-1]
    for field, kind in (("source_type", types[0]), ("destination_type", types[1])):
        if kind is None or kind == "":
            continue
        if not isinstance(kind, str):
            return field, f"expected a string, got {type(kind).__name__}"
        try:
            entity_type(kind, limits)
        except ValidationError as exc:
            return field, str(exc).split(": ", 1)[-1]
    if isinstance(fact, str) and (problem := unsafe(fact)) is not None:
        return "fact", problem
    return None
