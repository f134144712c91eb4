// The read scope, exactly: a null $user_id / $agent_id / $run_id is free. 1 = the variable.
($user_id IS NULL OR {{1}}.user_id = $user_id) AND ($agent_id IS NULL OR {{1}}.agent_id = $agent_id)
  AND ($run_id IS NULL OR {{1}}.run_id = $run_id)
