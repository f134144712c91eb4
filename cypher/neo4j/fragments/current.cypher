// The "current" rule: believed (not expired) and still true (not invalidated, or invalid only from a future
// instant) at $now. 1 = the variable.
{{1}}.expired_at IS NULL AND ({{1}}.invalid_at IS NULL OR {{1}}.invalid_at > $now)
