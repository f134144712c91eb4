// The Cypher language version a query that uses a dialect's own clauses names first: nothing on 5.26 (it has one);
// the calendar line's vector search needs Cypher 25 (neo4j_calendar/fragments/language.cypher).
