// Nova's server lock: who locked it (`owner`, the server's project, or `admin`, anyone else; only an admin may
// lift an admin's lock) and why (2.73; Nova keeps it in system_metadata). `locked` itself is in 00001.
exports.up = async (sql) => {
  await sql`
    ALTER TABLE instances
      ADD COLUMN locked_by text CHECK (locked_by IN ('owner', 'admin')),
      ADD COLUMN locked_reason text`;
};

exports.down = async (sql) => {
  await sql`ALTER TABLE instances DROP COLUMN locked_by, DROP COLUMN locked_reason`;
};
