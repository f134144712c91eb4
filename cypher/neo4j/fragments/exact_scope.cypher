// Exactly this scope (the write path's): absent fields are passed as '', and the tenant always. 1 = the variable.
{{1}}.user_id = $user_id AND {{1}}.agent_id = $agent_id AND {{1}}.run_id = $run_id AND {{1}}.tenant = $tenant
