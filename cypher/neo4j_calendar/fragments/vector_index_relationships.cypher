// The vector index's nearest relationships of the read scope (calendar line): vector_index_nodes, for RELATES
// (schema/16). 1 = the index's base name, 2 = the candidates ($pool or every row), 3 = the vector, 4 = the variable.
{{vector_search_branches relationships {{1}} {{3}} {{4}}}}
