// Move records (cold migrate, resize; later live migration, evacuation): Nova's migrations table. The name
// server_migrations leaves `migrations` to ley, which keeps its own bookkeeping under that name.
exports.up = async (sql) => {
  await sql`
    CREATE TABLE server_migrations (
      id bigserial PRIMARY KEY,
      uuid uuid NOT NULL UNIQUE,
      instance_uuid uuid NOT NULL,
      migration_type text NOT NULL,
      status text NOT NULL,
      source_compute text NOT NULL,
      source_node text NOT NULL,
      dest_compute text,
      dest_node text,
      dest_host text,
      old_flavor jsonb NOT NULL,
      new_flavor jsonb NOT NULL,
      old_vm_state text NOT NULL,
      user_id text NOT NULL,
      project_id text NOT NULL,
      workflow_id text,
      run_id text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`;
  await sql`CREATE INDEX server_migrations_instance ON server_migrations (instance_uuid, created_at DESC)`;
  await sql`CREATE INDEX server_migrations_status ON server_migrations (status)`;
};

exports.down = async (sql) => {
  await sql`DROP TABLE server_migrations`;
};
