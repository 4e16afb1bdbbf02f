// Live migration progress, as Nova's migrations table keeps it (memory and disk byte counters).
exports.up = async (sql) => {
  await sql`
    ALTER TABLE server_migrations
      ADD COLUMN memory_total_bytes bigint,
      ADD COLUMN memory_processed_bytes bigint,
      ADD COLUMN memory_remaining_bytes bigint,
      ADD COLUMN disk_total_bytes bigint,
      ADD COLUMN disk_processed_bytes bigint,
      ADD COLUMN disk_remaining_bytes bigint`;
};

exports.down = async (sql) => {
  await sql`
    ALTER TABLE server_migrations
      DROP COLUMN memory_total_bytes, DROP COLUMN memory_processed_bytes, DROP COLUMN memory_remaining_bytes,
      DROP COLUMN disk_total_bytes, DROP COLUMN disk_processed_bytes, DROP COLUMN disk_remaining_bytes`;
};
