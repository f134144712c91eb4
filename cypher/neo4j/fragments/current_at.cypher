// Current at $as_of when it is set (recorded by then, not yet expired, valid then), else current now (see
// current). 1 = the variable.
CASE WHEN $as_of IS NULL
  THEN {{current {{1}}}}
  ELSE {{1}}.created_at <= $as_of AND ({{1}}.expired_at IS NULL OR {{1}}.expired_at > $as_of)
    AND ({{1}}.valid_at IS NULL OR {{1}}.valid_at <= $as_of) AND ({{1}}.invalid_at IS NULL OR {{1}}.invalid_at > $as_of)
END
