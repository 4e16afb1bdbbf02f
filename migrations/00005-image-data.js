// Image data (issue 5): where an image's bytes are in the content-addressed image store, the digests Glance
// reports, and the fields Glance v2 clients read. Seeded base images keep store_sha256 NULL: the fake
// hypervisor synthesizes their bytes.
exports.up = async (sql) => {
  await sql`
    ALTER TABLE images
      ADD COLUMN store_sha256 text,
      ADD COLUMN os_hash_algo text,
      ADD COLUMN os_hash_value text,
      ADD COLUMN protected boolean NOT NULL DEFAULT false,
      ADD COLUMN tags text[] NOT NULL DEFAULT '{}'`;
  // Bytes are shared by content: a delete removes them only when no other live image points at them.
  await sql`CREATE INDEX images_store_sha256 ON images (store_sha256) WHERE store_sha256 IS NOT NULL`;
};

exports.down = async (sql) => {
  await sql`DROP INDEX images_store_sha256`;
  await sql`
    ALTER TABLE images
      DROP COLUMN store_sha256, DROP COLUMN os_hash_algo, DROP COLUMN os_hash_value, DROP COLUMN protected,
      DROP COLUMN tags`;
};
