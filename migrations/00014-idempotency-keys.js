// Idempotency-Key (issue 6): request bookkeeping of the API, never instance state. One row per project and key:
// `pending` while the first request runs, then the response it got (2xx only; a failed request leaves no row).
exports.up = async (sql) => {
  await sql`
    CREATE TABLE idempotency_keys (
      project_id text NOT NULL,
      key text NOT NULL,
      fingerprint text NOT NULL,
      request_id text NOT NULL,
      state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
      status integer,
      body jsonb,
      location text,
      created_at timestamptz NOT NULL DEFAULT now(),
      expires_at timestamptz NOT NULL,
      PRIMARY KEY (project_id, key)
    )`;
  await sql`CREATE INDEX idempotency_keys_expires_at ON idempotency_keys (expires_at)`;
};

exports.down = async (sql) => {
  await sql`DROP TABLE idempotency_keys`;
};
