import type { InstanceRow } from '../../domain/rows';
import type { ServerRow } from '../../api/views/server';
import { TINY_FLAVOR } from './flavors';

export const SERVER_UUID = '3f9a2c4e-1b2d-4c3e-8f4a-5b6c7d8e9f01';
export const SERVER_IMAGE = '70a599e0-31e7-49b7-b260-868f441e862b';

/** An ACTIVE server's row as the read queries return it, with the host's facts left out. */
export function activeServerRow(overrides: Partial<ServerRow> = {}): ServerRow {
  const row: InstanceRow = {
    uuid: SERVER_UUID,
    seq: '42',
    name: 'web 1',
    project_id: 'p1',
    user_id: 'u1',
    flavor: { ...TINY_FLAVOR, extra_specs: { 'hw:cpu_policy': 'shared' } },
    image_id: SERVER_IMAGE,
    host: 'compute-1',
    node: 'compute-1',
    vm_state: 'active',
    task_state: null,
    power_state: 1,
    progress: 0,
    metadata: { role: 'web' },
    key_name: null,
    availability_zone: null,
    access_ipv4: '',
    access_ipv6: '',
    disk_config: 'MANUAL',
    config_drive: '',
    description: null,
    hostname: null,
    reservation_id: 'r-abcdef12',
    locked: false,
    locked_by: null,
    locked_reason: null,
    fault: null,
    launched_at: new Date('2024-01-02T03:04:06.789Z'),
    terminated_at: null,
    shelved_at: null,
    shelved_image_id: null,
    shelved_host: null,
    deleted: false,
    deleted_at: null,
    created_at: new Date('2024-01-02T03:04:05.123Z'),
    updated_at: new Date('2024-01-02T03:05:00Z'),
  };
  return { ...row, ...overrides };
}
