-- Indexes for the auditor's filters (docs/fleet.md, "Fleet queries"): each filter reads its first page
-- straight from an index that holds the query's order (at_time, host_id, seq) after the filtered column,
-- so a page costs the same on 10M records as on 10K (gatehouse-bench fleet-query measures it).
-- The 0001 indexes on (column, at_time) ended at at_time: every page sorted all of a person's,
-- method's or entity's records first. Decisions other than allow and outcomes other than ok are
-- the rare rows auditors look for; partial indexes keep the common rows out of them (a filter on
-- allow or ok reads records_at, where nearly every row matches).
DROP INDEX records_principal;
DROP INDEX records_method;
DROP INDEX records_entity;
CREATE INDEX records_principal_order ON records (principal, at_time, host_id, seq);
CREATE INDEX records_method_order ON records (method, at_time, host_id, seq);
CREATE INDEX records_entity_order ON records (entity, at_time, host_id, seq);
CREATE INDEX records_host_order ON records (host_id, at_time, seq);
CREATE INDEX records_decision_rare ON records (decision, at_time, host_id, seq) WHERE decision <> 'allow';
CREATE INDEX records_outcome_rare ON records (outcome, at_time, host_id, seq) WHERE outcome <> 'ok';
