// A relationship pattern: 1 = the variable, 2 = the relationship type.
()-[{{1}}:{{2}}]->()
