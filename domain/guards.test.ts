import { checkInstanceState, lockConflict, StateRules } from './guards';

const launched = new Date('2024-01-02T03:04:05Z');
const instance = (vm_state: string, task_state: string | null = null, launched_at: Date | null = launched) => ({
  uuid: 'u-1',
  vm_state,
  task_state,
  launched_at,
});

describe('checkInstanceState', () => {
  it('allows stop from active and error, with no task', () => {
    expect(checkInstanceState(StateRules.stop, instance('active'))).toBeNull();
    expect(checkInstanceState(StateRules.stop, instance('error'))).toBeNull();
  });

  it("reports Nova's vm_state conflict message", () => {
    expect(checkInstanceState(StateRules.stop, instance('stopped'))?.message).toBe(
      "Cannot 'stop' instance u-1 while it is in vm_state stopped",
    );
  });

  it('reports a busy task_state after the vm_state passes', () => {
    expect(checkInstanceState(StateRules.start, instance('stopped', 'powering-on'))).toMatchObject({
      attr: 'task_state',
      message: "Cannot 'start' instance u-1 while it is in task_state powering-on",
    });
  });

  it('refuses an instance that never launched', () => {
    expect(checkInstanceState(StateRules.rebootSoft, instance('active', null, null))?.attr).toBe('launched_at');
  });

  it('lets a hard reboot through a soft reboot in progress, and a soft one not', () => {
    expect(checkInstanceState(StateRules.rebootHard, instance('active', 'rebooting'))).toBeNull();
    expect(checkInstanceState(StateRules.rebootSoft, instance('active', 'rebooting'))?.attr).toBe('task_state');
    expect(checkInstanceState(StateRules.rebootHard, instance('stopped'))).toBeNull();
    expect(checkInstanceState(StateRules.rebootSoft, instance('stopped'))?.attr).toBe('vm_state');
  });

  it('allows delete in any state, even unlaunched and busy', () => {
    expect(checkInstanceState(StateRules.delete, instance('building', 'spawning', null))).toBeNull();
  });

  it.each([
    ['pause', 'active', 'paused'],
    ['unpause', 'paused', 'active'],
    ['suspend', 'active', 'suspended'],
    ['resume', 'suspended', 'active'],
    ['unrescue', 'rescued', 'active'],
  ] as const)('allows %s only from %s', (rule, allowed, refused) => {
    expect(checkInstanceState(StateRules[rule], instance(allowed))).toBeNull();
    expect(checkInstanceState(StateRules[rule], instance(refused))?.message).toBe(
      `Cannot '${rule}' instance u-1 while it is in vm_state ${refused}`,
    );
  });

  it('allows rescue from active, stopped and error, not from paused, suspended or rescued', () => {
    for (const vm of ['active', 'stopped', 'error'])
      expect(checkInstanceState(StateRules.rescue, instance(vm))).toBeNull();
    for (const vm of ['paused', 'suspended', 'rescued']) {
      expect(checkInstanceState(StateRules.rescue, instance(vm))?.attr).toBe('vm_state');
    }
  });

  it('allows rebuild from active, stopped and error only, with no task running', () => {
    for (const vm of ['active', 'stopped', 'error'])
      expect(checkInstanceState(StateRules.rebuild, instance(vm))).toBeNull();
    for (const vm of ['paused', 'suspended', 'rescued', 'resized', 'building']) {
      expect(checkInstanceState(StateRules.rebuild, instance(vm))?.message).toBe(
        `Cannot 'rebuild' instance u-1 while it is in vm_state ${vm}`,
      );
    }
    expect(checkInstanceState(StateRules.rebuild, instance('active', 'rebuilding'))?.attr).toBe('task_state');
    expect(checkInstanceState(StateRules.rebuild, instance('error', null, null))?.attr).toBe('launched_at');
  });

  it('refuses the pause family while another task runs', () => {
    expect(checkInstanceState(StateRules.pause, instance('active', 'powering-off'))?.message).toBe(
      "Cannot 'pause' instance u-1 while it is in task_state powering-off",
    );
  });

  it('lets a hard reboot through a stuck pause or suspend, as Nova does', () => {
    for (const task of ['pausing', 'unpausing', 'suspending', 'resuming']) {
      expect(checkInstanceState(StateRules.rebootHard, instance('paused', task))).toBeNull();
    }
  });

  it('allows evacuate from active, stopped and error whatever the task, and not from paused or resized', () => {
    for (const vm of ['active', 'stopped', 'error']) {
      expect(checkInstanceState(StateRules.evacuate, instance(vm, 'powering-off'))).toBeNull();
    }
    expect(checkInstanceState(StateRules.evacuate, instance('paused'))?.message).toBe(
      "Cannot 'evacuate' instance u-1 while it is in vm_state paused",
    );
    expect(checkInstanceState(StateRules.evacuate, instance('resized'))?.attr).toBe('vm_state');
  });

  it('allows createImage and shelve from active, stopped, paused and suspended only', () => {
    for (const rule of [StateRules.createImage, StateRules.shelve]) {
      for (const vm of ['active', 'stopped', 'paused', 'suspended']) {
        expect(checkInstanceState(rule, instance(vm))).toBeNull();
      }
      for (const vm of ['rescued', 'error', 'shelved', 'shelved_offloaded', 'resized']) {
        expect(checkInstanceState(rule, instance(vm))?.attr).toBe('vm_state');
      }
    }
    expect(checkInstanceState(StateRules.createImage, instance('active', 'image_uploading'))?.message).toBe(
      "Cannot 'createImage' instance u-1 while it is in task_state image_uploading",
    );
  });

  it('offloads only a shelved server; unshelves a shelved or offloaded one, which may have no host', () => {
    expect(checkInstanceState(StateRules.shelveOffload, instance('shelved'))).toBeNull();
    expect(checkInstanceState(StateRules.shelveOffload, instance('shelved_offloaded'))?.attr).toBe('vm_state');
    expect(checkInstanceState(StateRules.unshelve, instance('shelved'))).toBeNull();
    expect(checkInstanceState(StateRules.unshelve, instance('shelved_offloaded'))).toBeNull();
    expect(checkInstanceState(StateRules.unshelve, instance('active'))?.message).toBe(
      "Cannot 'unshelve' instance u-1 while it is in vm_state active",
    );
    expect(StateRules.unshelve.hostOptional).toBe(true);
    expect(StateRules.shelveOffload).not.toHaveProperty('hostOptional');
  });
});

describe('lockConflict', () => {
  const locked = { uuid: 'u-1', locked: true };

  it("refuses a locked instance to anyone but an admin, with Nova's message", () => {
    expect(lockConflict(StateRules.stop, locked, false)).toBe('Instance u-1 is locked');
    expect(lockConflict(StateRules.stop, locked, true)).toBeNull();
    expect(lockConflict(StateRules.stop, { ...locked, locked: false }, false)).toBeNull();
  });

  it('guards every action Nova guards, and not createImage, createBackup, evacuate or os-resetState', () => {
    const unguarded = Object.entries(StateRules)
      .filter(([, rule]) => lockConflict(rule, locked, false) === null)
      .map(([name]) => name);
    expect(unguarded.sort()).toEqual(['createBackup', 'createImage', 'evacuate', 'resetState']);
  });
});
