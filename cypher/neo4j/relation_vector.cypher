// Top-$k relation facts by cosine within the read scope: current ones, or those believed true at $as_of.
{{vector_top_k relationships RELATES relation_embedding current_at}}
