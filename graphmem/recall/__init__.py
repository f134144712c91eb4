"""Read path: lanes, fusion, rerank (DESIGN §4)."""
