import { checkInstanceState, StateRules } from './guards';

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
});
