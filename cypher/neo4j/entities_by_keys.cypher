// Entity resolution: entities of exactly this scope (absent fields passed as '', the tenant always) that answer to
// one of $names.
// Own names through the (scope, normalized) uniqueness index, one seek per name; aliases among this scope's
// :Aliased entities only (those with a name besides their own). The cost follows the batch, not the store.
CALL () {
  UNWIND $names AS name
  MATCH (x:Entity {tenant: $tenant, user_id: $user_id, agent_id: $agent_id, run_id: $run_id, normalized: name})
  RETURN x
  UNION
  MATCH (x:Aliased {tenant: $tenant, user_id: $user_id, agent_id: $agent_id, run_id: $run_id})
  WHERE x:Entity AND any(n IN x.names WHERE n IN $names)
  RETURN x
}
RETURN {{entity_map x}} AS entity
ORDER BY x.id
