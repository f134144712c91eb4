MATCH (n)
WHERE n:Memory OR n:Entity OR n:Episode OR n:History OR n:WriteLock
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
