import { serverStatus, vmStatesForStatus } from './states';

describe('serverStatus', () => {
  it.each([
    ['active', null, 'ACTIVE'],
    ['active', 'powering-off', 'ACTIVE'],
    ['active', 'rebooting', 'REBOOT'],
    ['active', 'reboot_started_hard', 'HARD_REBOOT'],
    ['active', 'resize_migrating', 'RESIZE'],
    ['active', 'migrating', 'MIGRATING'],
    ['building', 'scheduling', 'BUILD'],
    ['stopped', null, 'SHUTOFF'],
    ['stopped', 'powering-on', 'SHUTOFF'],
    ['stopped', 'resize_prep', 'RESIZE'],
    ['resized', null, 'VERIFY_RESIZE'],
    ['resized', 'resize_reverting', 'REVERT_RESIZE'],
    ['error', null, 'ERROR'],
    ['error', 'rebuilding', 'REBUILD'],
    ['active', 'rebuild_block_device_mapping', 'REBUILD'],
    ['stopped', 'rebuild_spawning', 'REBUILD'],
    ['active', 'rebuild_spawning', 'REBUILD'],
    ['shelved_offloaded', 'unshelving', 'SHELVED_OFFLOADED'],
    ['shelved_offloaded', 'spawning', 'SHELVED_OFFLOADED'],
    ['shelved', null, 'SHELVED'],
    ['shelved', 'powering-on', 'SHELVED'],
    ['shelved', 'shelving_offloading', 'SHELVED'],
    ['active', 'shelving_image_uploading', 'ACTIVE'],
    ['active', 'image_uploading', 'ACTIVE'],
    ['paused', 'image_snapshot', 'PAUSED'],
    ['active', 'pausing', 'ACTIVE'],
    ['paused', null, 'PAUSED'],
    ['paused', 'unpausing', 'PAUSED'],
    ['active', 'suspending', 'ACTIVE'],
    ['suspended', 'resuming', 'SUSPENDED'],
    ['active', 'rescuing', 'ACTIVE'],
    ['rescued', null, 'RESCUE'],
    ['rescued', 'unrescuing', 'RESCUE'],
    ['soft-delete', null, 'SOFT_DELETED'],
    ['no-such-state', null, 'UNKNOWN'],
  ])('shows %s with task %s as %s', (vm, task, status) => {
    expect(serverStatus(vm, task)).toBe(status);
  });
});

describe('vmStatesForStatus', () => {
  it('inverts the default mapping, case-insensitively', () => {
    expect(vmStatesForStatus('shutoff')).toEqual(['stopped']);
    expect(vmStatesForStatus('ACTIVE')).toEqual(['active']);
    expect(vmStatesForStatus('NOPE')).toEqual([]);
    expect(vmStatesForStatus('shelved_offloaded')).toEqual(['shelved_offloaded']);
  });
});
