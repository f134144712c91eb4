// The index candidates that hold about 2 * $k of the scope's rows, times 1 = the widening factor.
{{1}} * 2.0 * $k * total / CASE WHEN rows > 0 THEN rows ELSE 1 END
