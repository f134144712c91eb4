// The vector index's nearest nodes: 1 = the index, 2 = how many, 3 = the vector, 4 = the variable they bind.
CALL db.index.vector.queryNodes('{{1}}', {{2}}, {{3}}) YIELD node AS {{4}}
