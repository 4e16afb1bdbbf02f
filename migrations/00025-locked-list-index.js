// The `locked` list filter (2.73), like every filter of GET /servers (00015): locked servers are few, so a partial
// index in the list's order reads a page of them without walking every server of the project. Unlocked ones are
// most of a list and are read through 00015's indexes. The bench drops and recreates it by this name.
const INDEXES = {
  instances_locked_created: 'ON instances (created_at DESC, uuid DESC) WHERE locked AND NOT deleted',
};
exports.INDEXES = INDEXES;

exports.up = async (sql) => {
  for (const [name, definition] of Object.entries(INDEXES)) {
    await sql.unsafe(`CREATE INDEX IF NOT EXISTS ${name} ${definition}`);
  }
};

exports.down = async (sql) => {
  for (const name of Object.keys(INDEXES)) await sql.unsafe(`DROP INDEX IF EXISTS ${name}`);
};
