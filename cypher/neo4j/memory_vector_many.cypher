// memory_vector for every query in $queries (current memories only), in one round trip: the write path gathers
// the candidates of all of an episode's new facts with it.
{{vector_top_k_many nodes Memory memory_embedding current}}
