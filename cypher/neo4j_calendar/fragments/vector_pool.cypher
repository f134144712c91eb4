// How many candidates to ask the vector index for (calendar line): 0 for the exact search over the scope's own rows
// (the same rule as 5.26: a small scope, or 1 = the flag that forces it), else $pool, the LIMIT the index's SEARCH
// is given (a SEARCH limit must be known before the query runs: the caller sizes it), or every row when that is
// fewer.
CASE WHEN {{1}} OR rows <= $exact_limit AND rows * rows <= $exact_ratio * $k * total THEN 0
  WHEN $pool >= total THEN total ELSE $pool END
