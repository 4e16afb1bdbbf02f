// os-server-password: the admin password a guest posted to the metadata service, or changePassword set, encrypted
// with the server's key (Nova keeps it in system_metadata as password_0..3). Internal: no server view shows it.
exports.up = async (sql) => {
  await sql`ALTER TABLE instances ADD COLUMN server_password text`;
};

exports.down = async (sql) => {
  await sql`ALTER TABLE instances DROP COLUMN server_password`;
};
