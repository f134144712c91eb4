MATCH (n)
WHERE n:Memory OR n:Entity OR n:Episode OR n:History
CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS
