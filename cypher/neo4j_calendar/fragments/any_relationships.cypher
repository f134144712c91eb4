// Any relationship, bound to 1 (the SEARCH clause's index names the type).
()-[{{1}}]->()
