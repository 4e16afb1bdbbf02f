// Shelve (issue 5): what Nova keeps in the instance's system_metadata while it is shelved (shelved_at,
// shelved_image_id, shelved_host). Internal, like system_metadata: no server view shows them.
exports.up = async (sql) => {
  await sql`
    ALTER TABLE instances
      ADD COLUMN shelved_at timestamptz,
      ADD COLUMN shelved_image_id uuid,
      ADD COLUMN shelved_host text`;
};

exports.down = async (sql) => {
  await sql`ALTER TABLE instances DROP COLUMN shelved_at, DROP COLUMN shelved_image_id, DROP COLUMN shelved_host`;
};
