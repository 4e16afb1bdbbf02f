// Initial schema: hosts and their capacity, flavors, images, instances, allocations and instance actions.
exports.up = async (sql) => {
  await sql`
    CREATE TABLE hosts (
      name text PRIMARY KEY,
      vcpus integer NOT NULL,
      memory_mb integer NOT NULL,
      disk_gb integer NOT NULL,
      cpu_allocation_ratio real NOT NULL DEFAULT 4.0,
      ram_allocation_ratio real NOT NULL DEFAULT 1.0,
      disk_allocation_ratio real NOT NULL DEFAULT 1.0,
      reserved_memory_mb integer NOT NULL DEFAULT 512,
      hypervisor_type text NOT NULL DEFAULT 'fake',
      hypervisor_version integer NOT NULL DEFAULT 1000,
      host_ip text NOT NULL DEFAULT '127.0.0.1',
      availability_zone text NOT NULL DEFAULT 'nova',
      disabled boolean NOT NULL DEFAULT false,
      disabled_reason text,
      forced_down boolean NOT NULL DEFAULT false,
      running_vms integer NOT NULL DEFAULT 0,
      started_at timestamptz,
      last_seen_at timestamptz NOT NULL DEFAULT now(),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`;
  await sql`
    CREATE TABLE flavors (
      id text PRIMARY KEY,
      name text NOT NULL UNIQUE,
      vcpus integer NOT NULL CHECK (vcpus > 0),
      memory_mb integer NOT NULL CHECK (memory_mb > 0),
      root_gb integer NOT NULL CHECK (root_gb >= 0),
      ephemeral_gb integer NOT NULL DEFAULT 0,
      swap_mb integer NOT NULL DEFAULT 0,
      rxtx_factor real NOT NULL DEFAULT 1.0,
      is_public boolean NOT NULL DEFAULT true,
      disabled boolean NOT NULL DEFAULT false,
      description text,
      extra_specs jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now()
    )`;
  await sql`
    CREATE TABLE images (
      id uuid PRIMARY KEY,
      name text NOT NULL,
      status text NOT NULL DEFAULT 'active',
      disk_format text NOT NULL DEFAULT 'qcow2',
      container_format text NOT NULL DEFAULT 'bare',
      size_bytes bigint,
      checksum text,
      min_disk integer NOT NULL DEFAULT 0,
      min_ram integer NOT NULL DEFAULT 0,
      visibility text NOT NULL DEFAULT 'public',
      owner text,
      properties jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`;
  await sql`
    CREATE TABLE instances (
      uuid uuid PRIMARY KEY,
      seq bigserial UNIQUE,
      name text NOT NULL,
      project_id text NOT NULL,
      user_id text NOT NULL,
      flavor jsonb NOT NULL,
      image_id uuid,
      host text,
      node text,
      vm_state text NOT NULL,
      task_state text,
      power_state integer NOT NULL DEFAULT 0,
      progress integer NOT NULL DEFAULT 0,
      metadata jsonb NOT NULL DEFAULT '{}',
      key_name text,
      availability_zone text,
      access_ipv4 text NOT NULL DEFAULT '',
      access_ipv6 text NOT NULL DEFAULT '',
      disk_config text NOT NULL DEFAULT 'MANUAL',
      config_drive text NOT NULL DEFAULT '',
      description text,
      reservation_id text NOT NULL,
      locked boolean NOT NULL DEFAULT false,
      fault jsonb,
      launched_at timestamptz,
      terminated_at timestamptz,
      deleted boolean NOT NULL DEFAULT false,
      deleted_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )`;
  await sql`CREATE INDEX instances_live_created ON instances (created_at DESC, uuid DESC) WHERE NOT deleted`;
  await sql`CREATE INDEX instances_project ON instances (project_id) WHERE NOT deleted`;
  await sql`CREATE INDEX instances_host ON instances (host) WHERE NOT deleted`;
  await sql`
    CREATE TABLE allocations (
      consumer_uuid uuid NOT NULL,
      host text NOT NULL REFERENCES hosts (name),
      vcpus integer NOT NULL,
      memory_mb integer NOT NULL,
      disk_gb integer NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (consumer_uuid, host)
    )`;
  await sql`CREATE INDEX allocations_host ON allocations (host)`;
  await sql`
    CREATE TABLE instance_actions (
      id bigserial PRIMARY KEY,
      instance_uuid uuid NOT NULL,
      action text NOT NULL,
      request_id text NOT NULL,
      user_id text NOT NULL,
      project_id text NOT NULL,
      workflow_id text,
      run_id text,
      message text,
      start_time timestamptz NOT NULL DEFAULT now(),
      finish_time timestamptz,
      updated_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (instance_uuid, request_id)
    )`;
  await sql`
    CREATE TABLE instance_action_events (
      id bigserial PRIMARY KEY,
      action_id bigint NOT NULL REFERENCES instance_actions (id) ON DELETE CASCADE,
      event text NOT NULL,
      host text,
      start_time timestamptz NOT NULL DEFAULT now(),
      finish_time timestamptz,
      result text,
      traceback text,
      details text,
      UNIQUE (action_id, event)
    )`;
};

exports.down = async (sql) => {
  await sql`DROP TABLE instance_action_events, instance_actions, allocations, instances, images, flavors, hosts`;
};
