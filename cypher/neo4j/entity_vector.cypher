// Top-$k entities by cosine within the read scope.
{{vector_top_k nodes Entity entity_embedding anytime}}
