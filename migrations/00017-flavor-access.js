// Flavor access (issue 6): the projects that may see and use a private flavor (Nova's flavor_projects).
exports.up = async (sql) => {
  await sql`
    CREATE TABLE flavor_projects (
      flavor_id text NOT NULL REFERENCES flavors (id) ON DELETE CASCADE,
      project_id text NOT NULL,
      PRIMARY KEY (flavor_id, project_id)
    )`;
};

exports.down = async (sql) => {
  await sql`DROP TABLE flavor_projects`;
};
