// entity_vector for every query in $queries, in one round trip: the write path gathers the candidates of all of
// an episode's new entities with it.
{{vector_top_k_many nodes Entity entity_embedding anytime}}
