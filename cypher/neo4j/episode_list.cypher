MATCH (e:Episode)
WHERE {{in_scope e}}
RETURN e {.*} AS episode
ORDER BY e.created_at, e.id
