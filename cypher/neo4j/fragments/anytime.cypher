// The time rule of what has no lifetime (entities): every one that exists. 1 = the variable.
{{1}} IS NOT NULL
