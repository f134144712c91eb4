"""mem0's platform shape for scopes: ``filters={"AND": [{"user_id": "alice"}, ...]}`` instead of ``user_id=``.

``Memory`` takes the scope as arguments (they fence the read) and ``filters`` as a condition inside it. A platform
caller puts the ids in the filter; this lifts plain equalities on the three ids, at the top of the filter or as
members of its top-level ``AND``, into the scope, and leaves everything else (an ``OR``, an operator, a nested
condition) in the filter, where it still narrows the result. An id given both ways stays in the filter as well, so
the two must agree. The tenant is never lifted from anywhere: it comes from the key.
"""

from __future__ import annotations

from typing import Any

SCOPE_FIELDS = ("user_id", "agent_id", "run_id")


def lift_scope(ids: dict[str, str], filters: dict[str, Any] | None) -> tuple[dict[str, str], dict[str, Any] | None]:
    """``(ids, filters)`` with the platform-style ids moved from ``filters`` into ``ids`` (given ids win)."""
    if not filters:
        return ids, filters
    lifted, rest = dict(ids), dict(filters)
    for field in SCOPE_FIELDS:
        if field not in lifted and isinstance(rest.get(field), str):
            lifted[field] = rest.pop(field)
    members = rest.get("AND")
    if isinstance(members, list):
        kept: list[Any] = []
        for member in members:
            pair = next(iter(member.items())) if isinstance(member, dict) and len(member) == 1 else None
            if pair and pair[0] in SCOPE_FIELDS and pair[0] not in lifted and isinstance(pair[1], str):
                lifted[pair[0]] = pair[1]
            else:
                kept.append(member)
        if kept:
            rest["AND"] = kept
        else:
            del rest["AND"]
    return lifted, rest or None
