// The read scope, exactly: a null $user_id / $agent_id / $run_id is free; $tenant never is (the service's fence:
// a read sees only its own tenant's rows, whatever ids it names). 1 = the variable.
{{1}}.tenant = $tenant
  AND ($user_id IS NULL OR {{1}}.user_id = $user_id) AND ($agent_id IS NULL OR {{1}}.agent_id = $agent_id)
  AND ($run_id IS NULL OR {{1}}.run_id = $run_id)
