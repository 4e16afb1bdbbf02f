// The image stores this database owns: a store names its identity in a file at its root (the migrate job claims
// an unclaimed one), and a conductor sweeps the store of bytes no image holds only when its database recorded that
// identity (worker/image-sweeper.ts), so a conductor pointed at another database never releases its bytes.
exports.up = async (sql) => {
  await sql.unsafe(`
    CREATE TABLE image_stores (
      id uuid PRIMARY KEY,
      claimed_at timestamptz NOT NULL DEFAULT now()
    );
  `);
};

exports.down = async (sql) => {
  await sql`DROP TABLE image_stores`;
};
