// Quotas (issue 6): a project's own limits per resource; a resource without a row has Nova's default.
exports.up = async (sql) => {
  await sql`
    CREATE TABLE quotas (
      project_id text NOT NULL,
      resource text NOT NULL,
      hard_limit integer NOT NULL CHECK (hard_limit >= -1),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, resource)
    )`;
};

exports.down = async (sql) => {
  await sql`DROP TABLE quotas`;
};
