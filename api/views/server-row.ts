import type { InstanceRow } from '../../domain/rows';

/** What the read queries join onto an instance row; views also take a bare InstanceRow. */
export interface HostFacts {
  /** The availability zone of the instance's host, which Nova shows once the instance has one. */
  host_availability_zone?: string | null;
  /** Nova's host_status of the instance's host: UP, DOWN, MAINTENANCE, UNKNOWN or "". */
  host_status?: string | null;
}

/** The instance columns a server view reads, in the order a server list selects them. */
export const SERVER_VIEW_COLUMNS = [
  'uuid',
  'seq',
  'name',
  'project_id',
  'user_id',
  'flavor',
  'image_id',
  'host',
  'node',
  'vm_state',
  'task_state',
  'power_state',
  'progress',
  'metadata',
  'key_name',
  'user_data',
  'availability_zone',
  'access_ipv4',
  'access_ipv6',
  'disk_config',
  'config_drive',
  'description',
  'hostname',
  'reservation_id',
  'locked',
  'locked_reason',
  'fault',
  'launched_at',
  'terminated_at',
  'deleted',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof InstanceRow)[];

/** The row a server view reads: a full instance row (and its host's facts) or a server list's narrower one. */
export type ServerViewRow = Pick<InstanceRow, (typeof SERVER_VIEW_COLUMNS)[number]> & HostFacts;

/**
 * A server list's row from its values: SERVER_VIEW_COLUMNS, then host_availability_zone and host_status. Built
 * as one literal because an object given 34 keys one by one (as the driver builds rows) turns into a slow
 * dictionary, and a list reads every key of a thousand of them.
 */
export function serverViewRowOf(v: readonly unknown[]): ServerViewRow {
  return {
    uuid: v[0],
    seq: v[1],
    name: v[2],
    project_id: v[3],
    user_id: v[4],
    flavor: v[5],
    image_id: v[6],
    host: v[7],
    node: v[8],
    vm_state: v[9],
    task_state: v[10],
    power_state: v[11],
    progress: v[12],
    metadata: v[13],
    key_name: v[14],
    user_data: v[15],
    availability_zone: v[16],
    access_ipv4: v[17],
    access_ipv6: v[18],
    disk_config: v[19],
    config_drive: v[20],
    description: v[21],
    hostname: v[22],
    reservation_id: v[23],
    locked: v[24],
    locked_reason: v[25],
    fault: v[26],
    launched_at: v[27],
    terminated_at: v[28],
    deleted: v[29],
    created_at: v[30],
    updated_at: v[31],
    host_availability_zone: v[32],
    host_status: v[33],
  } as ServerViewRow;
}
