// The guest's hostname, as Nova stores it: set at create (the requested one from 2.90, else the sanitized name)
// and changed only by an update or a rebuild that names one (2.90), so a rename leaves it alone. Rows created
// before this column keep NULL and show the hostname derived from their name, as they always did.
exports.up = async (sql) => {
  await sql`ALTER TABLE instances ADD COLUMN hostname text`;
};

exports.down = async (sql) => {
  await sql`ALTER TABLE instances DROP COLUMN hostname`;
};
