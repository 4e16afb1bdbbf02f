// Key pairs (issue 6): a user's SSH public keys, by name; instances keep a copy of the key they booted with
// (Nova's instance.key_data), so deleting a key pair later changes nothing for them. Instances also keep the
// user_data they were created with, which the metadata service serves.
exports.up = async (sql) => {
  await sql`
    CREATE TABLE key_pairs (
      id bigserial PRIMARY KEY,
      name text NOT NULL,
      user_id text NOT NULL,
      type text NOT NULL DEFAULT 'ssh',
      public_key text NOT NULL,
      fingerprint text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (user_id, name)
    )`;
  await sql`ALTER TABLE instances ADD COLUMN key_data text, ADD COLUMN user_data text`;
};

exports.down = async (sql) => {
  await sql`ALTER TABLE instances DROP COLUMN key_data, DROP COLUMN user_data`;
  await sql`DROP TABLE key_pairs`;
};
