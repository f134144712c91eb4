// Exact scope: absent scope fields are passed as ''.
MATCH (m:Memory)
WHERE m.hash IN $hashes AND m.user_id = $user_id AND m.agent_id = $agent_id AND m.run_id = $run_id
  AND m.expired_at IS NULL AND (m.invalid_at IS NULL OR m.invalid_at > $now)
RETURN m.hash AS hash, m.id AS id
ORDER BY m.created_at, m.id
