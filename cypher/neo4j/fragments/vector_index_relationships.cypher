// The vector index's nearest relationships: 1 = the index, 2 = how many, 3 = the vector, 4 = the variable.
CALL db.index.vector.queryRelationships('{{1}}', {{2}}, {{3}}) YIELD relationship AS {{4}}
