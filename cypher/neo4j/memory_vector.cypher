// Top-$k memories by cosine within the read scope: current ones, or those believed true at $as_of.
{{vector_top_k nodes Memory memory_embedding current_at}}
