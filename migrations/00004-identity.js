// A minimal Keystone v3 (issue 6): projects, users, roles and their assignments, and issued tokens.
// Everything lives in the one `default` domain. Tokens are stored only as the SHA-256 of the opaque value the
// client holds, so a database dump cannot be replayed as credentials.
exports.up = async (sql) => {
  await sql`
    CREATE TABLE projects (
      id text PRIMARY KEY,
      name text NOT NULL,
      domain_id text NOT NULL DEFAULT 'default',
      enabled boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (domain_id, name)
    )`;
  await sql`
    CREATE TABLE users (
      id text PRIMARY KEY,
      name text NOT NULL,
      domain_id text NOT NULL DEFAULT 'default',
      -- scrypt$N$r$p$salt$hash (salt and hash base64): a memory-hard KDF with a per-user random salt
      password_hash text NOT NULL,
      default_project_id text REFERENCES projects (id),
      enabled boolean NOT NULL DEFAULT true,
      created_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (domain_id, name)
    )`;
  await sql`
    CREATE TABLE roles (
      id text PRIMARY KEY,
      name text NOT NULL UNIQUE
    )`;
  // Fixed ids so role ids in tokens are stable across deployments.
  await sql`
    INSERT INTO roles (id, name) VALUES
      ('5c6a4f0bd8b44b1e9b7c0a1d2e3f4a01', 'admin'),
      ('5c6a4f0bd8b44b1e9b7c0a1d2e3f4a02', 'member')`;
  await sql`
    CREATE TABLE role_assignments (
      user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      project_id text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
      role_id text NOT NULL REFERENCES roles (id),
      PRIMARY KEY (user_id, project_id, role_id)
    )`;
  await sql`
    CREATE TABLE tokens (
      token_hash text PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
      project_id text NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
      -- the roles at issue time, [{id, name}], as Keystone's token carries them
      roles jsonb NOT NULL,
      methods text[] NOT NULL,
      audit_id text NOT NULL,
      issued_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      revoked boolean NOT NULL DEFAULT false
    )`;
  await sql`CREATE INDEX tokens_expires_at ON tokens (expires_at)`;
};

exports.down = async (sql) => {
  await sql`DROP TABLE tokens`;
  await sql`DROP TABLE role_assignments`;
  await sql`DROP TABLE roles`;
  await sql`DROP TABLE users`;
  await sql`DROP TABLE projects`;
};
