// Instance action events per host (issue 4): a step that moves on to another host (a live migration's
// destination pre-check, a rescheduled build) records one event per host it tried, as Nova does, so an operator
// sees which host refused and why. A step without a host still has a single row.
exports.up = async (sql) => {
  await sql`ALTER TABLE instance_action_events DROP CONSTRAINT instance_action_events_action_id_event_key`;
  await sql`
    ALTER TABLE instance_action_events
    ADD CONSTRAINT instance_action_events_action_event_host_key UNIQUE NULLS NOT DISTINCT (action_id, event, host)`;
};

exports.down = async (sql) => {
  await sql`
    DELETE FROM instance_action_events e USING instance_action_events newer
    WHERE newer.action_id = e.action_id AND newer.event = e.event AND newer.id > e.id`;
  await sql`ALTER TABLE instance_action_events DROP CONSTRAINT instance_action_events_action_event_host_key`;
  await sql`ALTER TABLE instance_action_events ADD CONSTRAINT instance_action_events_action_id_event_key UNIQUE (action_id, event)`;
};
