// Entities of the scope whose normalized name or alias is one of $names. Read scope: null fields are free;
// exact scope (entity resolution): absent fields are passed as ''. The scope's rows come from an index seek on
// its most selective key (exactly one $seek_* is set: run > user > agent; $seek_any = '' for an empty scope).
{{seek nodes x Entity}}
WITH x
WHERE {{in_scope x}} AND any(n IN x.names WHERE n IN $names)
RETURN {{entity_map x}} AS entity
ORDER BY x.id
