// Exact scope: absent scope fields are passed as ''.
MATCH (m:Memory)
WHERE m.hash IN $hashes AND {{exact_scope m}}
  AND {{current m}}
RETURN m.hash AS hash, m.id AS id
ORDER BY m.created_at, m.id
