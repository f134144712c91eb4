"""``add_triples`` input: known (source, relation, target) triples as tuples or dicts, checked and normalized."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graphmem.errors import ValidationError
from graphmem.models import ExtractedEntity, ExtractedRelation, Extraction, normalize_relation_type


def triples_extraction(triples: Iterable[Any]) -> Extraction:
    """Accepts ``(source, relation, target)`` or dicts with ``source``, ``relationship`` (or ``type``),
    ``destination`` (or ``target``), and optional ``fact``, ``source_type``, ``destination_type``, ``valid_at``."""
    if isinstance(triples, str | bytes | Mapping):
        raise ValidationError("triples", "expected a list of triples")
    entities: dict[str, ExtractedEntity] = {}
    relations: list[ExtractedRelation] = []
    rel_types: dict[str, str] = {}  # relation as given -> normalized type, worked out once per distinct spelling
    for i, triple in enumerate(triples):
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
        rel_type = rel_types.get(rel) or ""
        if not rel_type:
            try:
                rel_type = rel_types[rel] = normalize_relation_type(rel)
            except ValidationError as exc:
                raise ValidationError(f"{at}.relationship", str(exc).split(": ", 1)[-1]) from None
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
        raise ValidationError("triples", "is empty: pass at least one triple")
    return Extraction(entities=list(entities.values()), relations=relations)
