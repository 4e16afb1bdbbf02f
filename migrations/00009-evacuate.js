// Evacuation (issue 4): every compute host report asks which evacuations away from it are `done` (their stale
// guests must be destroyed before the host counts as up again). Few rows ever match, so a partial index keeps
// that per-report lookup a probe instead of a scan of every migration.
exports.up = async (sql) => {
  await sql`
    CREATE INDEX server_migrations_evacuated_from ON server_migrations (source_compute)
    WHERE migration_type = 'evacuation' AND status = 'done'`;
};

exports.down = async (sql) => {
  await sql`DROP INDEX server_migrations_evacuated_from`;
};
