-- Claims waiting for their hand-over are found by state and time (docs/event-log.md#ready-pools).
CREATE INDEX pool_machines_by_state ON pool_machines (state, updated_at);
