import { createHash } from 'node:crypto';
import { boundedMemo } from '../../domain/bounded-memo';
import { TaskState, VmState } from '../../domain/states';
import type { InstanceRow } from '../../domain/rows';

// A server list asks for the same few thousand hostIds on every page.
const hostIdOf = boundedMemo(20_000, (hashed) => createHash('sha224').update(hashed, 'utf8').digest('hex'));

/** Nova's `utils.generate_hostid`: an opaque per-project host identifier, `""` without a host. */
export function hostIdFor(projectId: string, host: string | null): string {
  return host ? hostIdOf(projectId + host) : '';
}

/** Nova's `instance_name_template` default, `instance-%08x` of the database id. */
export function instanceName(seq: string | number): string {
  return `instance-${BigInt(seq).toString(16).padStart(8, '0')}`;
}

/**
 * Whether the instance has ports yet. Nova reads security groups from the instance's Neutron ports, so
 * they appear once the build has passed networking and go with the ports on delete or a failed build.
 */
export function hasPorts(row: Pick<InstanceRow, 'deleted' | 'vm_state' | 'task_state' | 'launched_at'>): boolean {
  if (row.deleted || row.vm_state === VmState.Deleted) return false;
  if (row.vm_state === VmState.Building) {
    return row.task_state === TaskState.BlockDeviceMapping || row.task_state === TaskState.Spawning;
  }
  return row.launched_at !== null;
}

/** Compute sets the root device while preparing block devices, just before spawning. */
export function rootDeviceName(row: Pick<InstanceRow, 'launched_at' | 'task_state'>): string | null {
  if (row.launched_at !== null || row.task_state === TaskState.Spawning) return '/dev/sda';
  return null;
}
