// How many candidates to ask the vector index for, from the scope's `rows`, the store's `total` and `wanted`
// (vector_wanted); 0 means an exact search over the scope's own rows instead (see vector_top_k). 1 = the flag that
// forces the exact search.
CASE WHEN {{1}} OR rows <= $exact_limit AND rows * rows <= $exact_ratio * $k * total THEN 0
  WHEN wanted >= total THEN total
  WHEN wanted < 100 THEN 100 ELSE toInteger(ceil(wanted)) END
