/** Row shapes of the PostgreSQL schema (migrations/), shared by the conductor (writes) and api/queries (reads). */

export interface FlavorRow {
  id: string;
  name: string;
  vcpus: number;
  memory_mb: number;
  root_gb: number;
  ephemeral_gb: number;
  swap_mb: number;
  rxtx_factor: number;
  is_public: boolean;
  disabled: boolean;
  description: string | null;
  extra_specs: Record<string, string>;
}

/** The flavor as copied onto the instance at create (Nova keeps it even if the flavor is deleted later). */
export type InstanceFlavor = Pick<
  FlavorRow,
  'id' | 'name' | 'vcpus' | 'memory_mb' | 'root_gb' | 'ephemeral_gb' | 'swap_mb' | 'extra_specs'
>;

export interface ImageRow {
  id: string;
  /** Glance lets an image be created without a name or formats; they stay null until set. */
  name: string | null;
  status: string;
  disk_format: string | null;
  container_format: string | null;
  size_bytes: string | null;
  checksum: string | null;
  min_disk: number;
  min_ram: number;
  visibility: string;
  owner: string | null;
  properties: Record<string, unknown>;
  /** The image's bytes in the image store; null for the built-in base images and images not yet uploaded. */
  store_sha256: string | null;
  os_hash_algo: string | null;
  os_hash_value: string | null;
  protected: boolean;
  /** Glance's os_hidden: left out of the default image list. */
  os_hidden: boolean;
  tags: string[];
  created_at: Date;
  updated_at: Date;
}

export interface InstanceRow {
  uuid: string;
  seq: string;
  name: string;
  project_id: string;
  user_id: string;
  flavor: InstanceFlavor;
  image_id: string | null;
  host: string | null;
  node: string | null;
  vm_state: string;
  task_state: string | null;
  power_state: number;
  progress: number;
  metadata: Record<string, string>;
  key_name: string | null;
  /** The public key the instance booted with (00010); absent in rows read before it existed. */
  key_data?: string | null;
  /** Base64 user data given at create. */
  user_data?: string | null;
  availability_zone: string | null;
  access_ipv4: string;
  access_ipv6: string;
  disk_config: string;
  config_drive: string;
  description: string | null;
  /** The guest's hostname (00023); null in rows created before it, whose hostname derives from the name. */
  hostname: string | null;
  reservation_id: string;
  locked: boolean;
  /** Who holds the lock (00024): `owner` (the server's project) or `admin` (anyone else); null when unlocked. */
  locked_by: 'owner' | 'admin' | null;
  /** Why it was locked (2.73); null when no reason was given or it is unlocked. */
  locked_reason: string | null;
  fault: { code: number; message: string; details: string; created: string } | null;
  launched_at: Date | null;
  terminated_at: Date | null;
  /**
   * os-server-password (00026): the admin password encrypted with the server's key; null when none is stored.
   * Never in rows handed to workflows (admissions leave it out), so absent there.
   */
  server_password?: string | null;
  /** Nova's shelve system_metadata: set while shelved (or offloaded), cleared by unshelve. */
  shelved_at: Date | null;
  shelved_image_id: string | null;
  shelved_host: string | null;
  deleted: boolean;
  deleted_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface HostRow {
  name: string;
  vcpus: number;
  memory_mb: number;
  disk_gb: number;
  cpu_allocation_ratio: number;
  ram_allocation_ratio: number;
  disk_allocation_ratio: number;
  reserved_memory_mb: number;
  hypervisor_type: string;
  hypervisor_version: number;
  host_ip: string;
  availability_zone: string;
  disabled: boolean;
  disabled_reason: string | null;
  forced_down: boolean;
  running_vms: number;
  started_at: Date | null;
  last_seen_at: Date;
}

/** A host with what its allocations use, as the scheduler sees it. */
export interface HostState extends HostRow {
  used_vcpus: number;
  used_memory_mb: number;
  used_disk_gb: number;
  instances: number;
}

export interface InstanceActionRow {
  id: string;
  instance_uuid: string;
  action: string;
  request_id: string;
  user_id: string;
  project_id: string;
  workflow_id: string | null;
  run_id: string | null;
  message: string | null;
  start_time: Date;
  finish_time: Date | null;
  updated_at: Date;
}

export interface MigrationRow {
  id: string;
  uuid: string;
  instance_uuid: string;
  migration_type: string;
  status: string;
  source_compute: string;
  source_node: string;
  dest_compute: string | null;
  dest_node: string | null;
  dest_host: string | null;
  old_flavor: InstanceFlavor;
  new_flavor: InstanceFlavor;
  old_vm_state: string;
  user_id: string;
  project_id: string;
  workflow_id: string | null;
  run_id: string | null;
  memory_total_bytes: string | null;
  memory_processed_bytes: string | null;
  memory_remaining_bytes: string | null;
  disk_total_bytes: string | null;
  disk_processed_bytes: string | null;
  disk_remaining_bytes: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A row of instance_action_events. */
export interface InstanceActionEventRow {
  id: string;
  action_id: string;
  event: string;
  host: string | null;
  start_time: Date;
  finish_time: Date | null;
  result: string | null;
  traceback: string | null;
  details: string | null;
}
