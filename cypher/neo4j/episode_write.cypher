// The raw input, before any extraction. MERGE keeps a replayed episode idempotent.
MERGE (e:Episode {id: $id})
ON CREATE SET e += $props
