// Indexes for every filter GET /servers[/detail] offers (issue 8), each ending in the list's order (created_at,
// uuid, newest first) so that a filtered page is read in order and stops at its limit instead of sorting every
// match. They replace the single-column project and host indexes, which they cover. The bench drops and
// recreates them by these names to measure the list before and after.
const INDEXES = {
  instances_project_created: 'ON instances (project_id, created_at DESC, uuid DESC) WHERE NOT deleted',
  instances_host_created: 'ON instances (host, created_at DESC, uuid DESC) WHERE NOT deleted',
  instances_vm_state_created: 'ON instances (vm_state, created_at DESC, uuid DESC) WHERE NOT deleted',
  // changes-since lists deleted servers too: no partial condition.
  instances_updated_at: 'ON instances (updated_at)',
  // The name filter is a regular expression (Nova's on PostgreSQL): trigrams let PostgreSQL use an index for it.
  instances_name_trgm: 'ON instances USING gin (name gin_trgm_ops)',
};
exports.INDEXES = INDEXES;

exports.up = async (sql) => {
  await sql`CREATE EXTENSION IF NOT EXISTS pg_trgm`;
  for (const [name, definition] of Object.entries(INDEXES)) {
    await sql.unsafe(`CREATE INDEX IF NOT EXISTS ${name} ${definition}`);
  }
  await sql`DROP INDEX IF EXISTS instances_project`;
  await sql`DROP INDEX IF EXISTS instances_host`;
};

exports.down = async (sql) => {
  await sql`CREATE INDEX IF NOT EXISTS instances_project ON instances (project_id) WHERE NOT deleted`;
  await sql`CREATE INDEX IF NOT EXISTS instances_host ON instances (host) WHERE NOT deleted`;
  for (const name of Object.keys(INDEXES)) await sql.unsafe(`DROP INDEX IF EXISTS ${name}`);
};
