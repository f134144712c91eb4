// Serializes the writers of one exact scope (absent fields passed as ''): the first statement of an add's write
// transaction takes this node's write lock, held until commit, so the plan is settled against everything the
// scope's earlier writers committed (stores/settle.py) before it is written. MERGE on the unique key is safe
// under concurrency; the counter only gives SET something to write.
MERGE (l:WriteLock {user_id: $user_id, agent_id: $agent_id, run_id: $run_id, tenant: $tenant})
SET l.writes = coalesce(l.writes, 0) + 1
