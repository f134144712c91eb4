// The scope's entities; its rows come from an index seek on its most selective key (see entities_by_names).
{{seek nodes x Entity}}
WITH x
WHERE {{in_scope x}}
RETURN {{entity_map x}} AS entity
ORDER BY x.name, x.id
