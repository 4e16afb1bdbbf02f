import type { ApiVersion } from '../microversion';
import { hostState } from '../../test/support/host-state';
import {
  hypervisorBodySchema,
  hypervisorDetailView,
  hypervisorSummaryView,
  hypervisorUuid,
  hypervisorsListSchema,
  serviceUuid,
  uptimeText,
  type HypervisorRow,
} from './hypervisor';
import { uuid5 } from './hypervisor-ids';

const at = (minor: number): ApiVersion => ({ major: 2, minor });
const NOW = new Date('2024-01-02T03:04:05Z');

const host: HypervisorRow = {
  ...hostState('host-1', {
    vcpus: 16,
    memory_mb: 32768,
    disk_gb: 500,
    running_vms: 2,
    started_at: new Date('2023-12-31T01:02:05Z'),
    last_seen_at: NOW,
    used_vcpus: 3,
    used_memory_mb: 2560,
    used_disk_gb: 41,
    instances: 2,
  }),
  ordinal: 3,
  alive: true,
  workload: 1,
};

describe('hypervisor ids', () => {
  it("computes RFC 4122 version 5 uuids like Python's uuid5", () => {
    expect(uuid5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe('886313e1-3b8a-5372-9b90-0c9aee199e5d');
  });

  it('derives stable, distinct node and service uuids from the host name', () => {
    expect(hypervisorUuid('host-1')).toBe(hypervisorUuid('host-1'));
    expect(hypervisorUuid('host-1')).not.toBe(hypervisorUuid('host-2'));
    expect(serviceUuid('host-1')).not.toBe(hypervisorUuid('host-1'));
    expect(hypervisorUuid('host-1')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('hypervisorSummaryView', () => {
  it('shows an integer id before 2.53 and the uuid from 2.53', () => {
    expect(hypervisorSummaryView(host, { version: at(1), now: NOW })).toEqual({
      id: 3,
      hypervisor_hostname: 'host-1',
      state: 'up',
      status: 'enabled',
    });
    expect(hypervisorSummaryView(host, { version: at(53), now: NOW })['id']).toBe(hypervisorUuid('host-1'));
  });

  it('shows a silent or forced-down host as down and a disabled one as disabled', () => {
    const body = hypervisorSummaryView({ ...host, alive: false, disabled: true }, { version: at(1), now: NOW });
    expect(body).toMatchObject({ state: 'down', status: 'disabled' });
  });

  it('lists servers when asked for; an empty list only from 2.75', () => {
    const vm = { name: 'vm', uuid: '4bf3473b-d550-4b65-9409-292d44ab14a2' };
    expect(hypervisorSummaryView(host, { version: at(53), now: NOW, servers: [vm] })['servers']).toEqual([vm]);
    expect(hypervisorSummaryView(host, { version: at(74), now: NOW, servers: [] })).not.toHaveProperty('servers');
    expect(hypervisorSummaryView(host, { version: at(75), now: NOW, servers: [] })['servers']).toEqual([]);
  });
});

describe('hypervisorDetailView', () => {
  it("shows the resource tracker's figures before 2.88, reserved memory counted as used", () => {
    expect(hypervisorDetailView(host, { version: at(1), now: NOW })).toEqual({
      id: 3,
      hypervisor_hostname: 'host-1',
      state: 'up',
      status: 'enabled',
      hypervisor_type: 'fake',
      hypervisor_version: 1000,
      host_ip: '127.0.0.1',
      service: { id: 3, host: 'host-1', disabled_reason: null },
      vcpus: 16,
      memory_mb: 32768,
      local_gb: 500,
      vcpus_used: 3,
      memory_mb_used: 3072,
      local_gb_used: 41,
      free_ram_mb: 29696,
      free_disk_gb: 459,
      current_workload: 1,
      running_vms: 2,
      disk_available_least: 459,
      cpu_info: expect.stringContaining('"model": "Nehalem"'),
    });
  });

  it('gives cpu_info as an object from 2.28 and uuids for node and service from 2.53', () => {
    const body = hypervisorDetailView(host, { version: at(53), now: NOW });
    expect(body['cpu_info']).toMatchObject({ arch: 'x86_64', topology: { sockets: 4 } });
    expect(body['service']).toEqual({ id: serviceUuid('host-1'), host: 'host-1', disabled_reason: null });
  });

  it('drops the capacity fields and adds uptime at 2.88', () => {
    const body = hypervisorDetailView(host, { version: at(88), now: NOW });
    expect(Object.keys(body).sort()).toEqual([
      'host_ip',
      'hypervisor_hostname',
      'hypervisor_type',
      'hypervisor_version',
      'id',
      'service',
      'state',
      'status',
      'uptime',
    ]);
    expect(body['uptime']).toBe(' 03:04:05 up 2 days,  2:02');
    expect(hypervisorDetailView({ ...host, alive: false }, { version: at(88), now: NOW })['uptime']).toBeNull();
  });

  it.each([1, 28, 33, 53, 75, 88, 100])("matches Nova's response schemas at 2.%i", (minor) => {
    const version = at(minor);
    const detail = hypervisorDetailView(host, { version, now: NOW });
    expect(() => hypervisorBodySchema(version).parse({ hypervisor: detail })).not.toThrow();
    expect(() => hypervisorsListSchema(version, { detail: true }).parse({ hypervisors: [detail] })).not.toThrow();
    const summary = hypervisorSummaryView(host, { version, now: NOW });
    expect(() => hypervisorsListSchema(version, { detail: false }).parse({ hypervisors: [summary] })).not.toThrow();
  });

  it('fails the 2.88 schema with capacity fields', () => {
    const old = hypervisorDetailView(host, { version: at(87), now: NOW });
    expect(() => hypervisorBodySchema(at(88)).parse({ hypervisor: old })).toThrow();
  });
});

describe('uptimeText', () => {
  it.each([
    ['2024-01-02T03:00:05Z', ' 03:04:05 up 4 min'],
    ['2024-01-02T01:00:05Z', ' 03:04:05 up  2:04'],
    ['2024-01-01T03:04:05Z', ' 03:04:05 up 1 day, 0 min'],
  ])('formats a start at %s like uptime(1)', (startedAt, expected) => {
    expect(uptimeText(NOW, new Date(startedAt))).toBe(expected);
  });

  it('is null when the start is unknown', () => {
    expect(uptimeText(NOW, null)).toBeNull();
  });
});
