// The image service (issue 5): Glance v2 lets an image be created without a name, a disk format or a container
// format (they are null until set), and hides images from the default list with os_hidden. The seeded base
// images keep their values; the column defaults stay for inserts that do not name them.
exports.up = async (sql) => {
  await sql`
    ALTER TABLE images
      ALTER COLUMN name DROP NOT NULL,
      ALTER COLUMN disk_format DROP NOT NULL,
      ALTER COLUMN container_format DROP NOT NULL,
      ADD COLUMN os_hidden boolean NOT NULL DEFAULT false`;
  // Glance's list: newest first over the images a project may see.
  await sql`CREATE INDEX images_owner_created ON images (owner, created_at DESC, id DESC)`;
};

exports.down = async (sql) => {
  await sql`DROP INDEX images_owner_created`;
  await sql`UPDATE images SET name = '' WHERE name IS NULL`;
  await sql`UPDATE images SET disk_format = 'qcow2' WHERE disk_format IS NULL`;
  await sql`UPDATE images SET container_format = 'bare' WHERE container_format IS NULL`;
  await sql`
    ALTER TABLE images
      DROP COLUMN os_hidden,
      ALTER COLUMN name SET NOT NULL,
      ALTER COLUMN disk_format SET NOT NULL,
      ALTER COLUMN container_format SET NOT NULL`;
};
