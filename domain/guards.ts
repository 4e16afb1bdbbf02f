import { TaskState, VmState } from './states';

/** The rule Nova's @check_instance_state decorator applies before an action. */
export interface StateRule {
  /** The action name used in Nova's conflict message (`stop`, `start`, `reboot`, ...). */
  action: string;
  vmStates: readonly string[] | 'any';
  /** task_states allowed; Nova's default is only "no task". */
  taskStates: readonly (string | null)[] | 'any';
  /** Nova also requires launched_at for most actions (must_have_launched). */
  mustHaveLaunched: boolean;
  /** The action also suits an instance on no host (delete; unshelve of an offloaded one); others get 409. */
  hostOptional?: boolean;
  /**
   * Nova's @check_instance_lock is missing from this action (createImage, createBackup, evacuate): a locked instance allows it
   * to anyone. Every other action is refused to all but admins while the instance is locked.
   */
  ignoresLock?: boolean;
  /** Nova checks the host before the state for this action (@check_instance_host above @check_instance_state). */
  hostBeforeState?: boolean;
}

export interface GuardedInstance {
  uuid: string;
  vm_state: string;
  task_state: string | null;
  launched_at: Date | string | null;
}

export interface StateConflict {
  attr: 'vm_state' | 'task_state' | 'launched_at';
  value: string | null;
  message: string;
}

/** Nova's InstanceIsLocked (409): the message when the lock refuses the action to this caller, else null. */
export function lockConflict(
  rule: StateRule,
  instance: { uuid: string; locked: boolean },
  callerIsAdmin: boolean,
): string | null {
  if (rule.ignoresLock || !instance.locked || callerIsAdmin) return null;
  return `Instance ${instance.uuid} is locked`;
}

/** Returns the conflict Nova would report, or null when the rule allows the action. */
export function checkInstanceState(rule: StateRule, instance: GuardedInstance): StateConflict | null {
  const conflict = (attr: StateConflict['attr'], value: string | null): StateConflict => ({
    attr,
    value,
    message: `Cannot '${rule.action}' instance ${instance.uuid} while it is in ${attr} ${value ?? 'None'}`,
  });
  if (rule.vmStates !== 'any' && !rule.vmStates.includes(instance.vm_state)) {
    return conflict('vm_state', instance.vm_state);
  }
  if (rule.taskStates !== 'any' && !rule.taskStates.includes(instance.task_state)) {
    return conflict('task_state', instance.task_state);
  }
  if (rule.mustHaveLaunched && instance.launched_at === null) {
    return conflict('launched_at', null);
  }
  return null;
}

const IDLE = [null] as const;
/** Where Nova can snapshot a guest: createImage, createBackup and shelve. */
const SNAPSHOTTABLE = [VmState.Active, VmState.Stopped, VmState.Paused, VmState.Suspended] as const;

/** Where Nova lets server metadata change; no host needed, the change only reaches the metadata service. */
const METADATA_WRITABLE = {
  vmStates: [VmState.Active, VmState.Paused, VmState.Suspended, VmState.Stopped],
  taskStates: IDLE,
  mustHaveLaunched: true,
  hostOptional: true,
} as const;

export const StateRules = {
  // Nova's update_instance_metadata / delete_instance_metadata (compute/api.py).
  updateMetadata: { action: 'update metadata', ...METADATA_WRITABLE },
  deleteMetadata: { action: 'delete metadata', ...METADATA_WRITABLE },
  stop: { action: 'stop', vmStates: [VmState.Active, VmState.Error], taskStates: IDLE, mustHaveLaunched: true },
  start: { action: 'start', vmStates: [VmState.Stopped], taskStates: IDLE, mustHaveLaunched: true },
  rebootSoft: { action: 'reboot', vmStates: [VmState.Active], taskStates: IDLE, mustHaveLaunched: true },
  rebootHard: {
    action: 'reboot',
    vmStates: [VmState.Active, VmState.Stopped, VmState.Paused, VmState.Suspended, VmState.Error],
    taskStates: [
      null,
      TaskState.Rebooting,
      TaskState.RebootPending,
      TaskState.RebootStarted,
      TaskState.RebootingHard,
      TaskState.Pausing,
      TaskState.Unpausing,
      TaskState.Suspending,
      TaskState.Resuming,
    ],
    mustHaveLaunched: true,
  },
  delete: { action: 'delete', vmStates: 'any', taskStates: 'any', mustHaveLaunched: false, hostOptional: true },
  resize: { action: 'resize', vmStates: [VmState.Active, VmState.Stopped], taskStates: IDLE, mustHaveLaunched: true },
  migrate: { action: 'migrate', vmStates: [VmState.Active, VmState.Stopped], taskStates: IDLE, mustHaveLaunched: true },
  confirmResize: { action: 'confirmResize', vmStates: [VmState.Resized], taskStates: IDLE, mustHaveLaunched: true },
  liveMigrate: {
    action: 'os-migrateLive',
    vmStates: [VmState.Active, VmState.Paused],
    taskStates: IDLE,
    mustHaveLaunched: true,
  },
  revertResize: { action: 'revertResize', vmStates: [VmState.Resized], taskStates: IDLE, mustHaveLaunched: true },
  pause: { action: 'pause', vmStates: [VmState.Active], taskStates: IDLE, mustHaveLaunched: true },
  unpause: { action: 'unpause', vmStates: [VmState.Paused], taskStates: IDLE, mustHaveLaunched: true },
  suspend: { action: 'suspend', vmStates: [VmState.Active], taskStates: IDLE, mustHaveLaunched: true },
  resume: { action: 'resume', vmStates: [VmState.Suspended], taskStates: IDLE, mustHaveLaunched: true },
  rescue: {
    action: 'rescue',
    vmStates: [VmState.Active, VmState.Stopped, VmState.Error],
    taskStates: IDLE,
    mustHaveLaunched: true,
  },
  rebuild: {
    action: 'rebuild',
    vmStates: [VmState.Active, VmState.Stopped, VmState.Error],
    taskStates: IDLE,
    mustHaveLaunched: true,
  },
  unrescue: { action: 'unrescue', vmStates: [VmState.Rescued], taskStates: IDLE, mustHaveLaunched: true },
  // Any task_state: an instance caught mid-operation on a dead host is exactly what evacuate rescues.
  evacuate: {
    action: 'evacuate',
    vmStates: [VmState.Active, VmState.Stopped, VmState.Error],
    taskStates: 'any',
    mustHaveLaunched: true,
    ignoresLock: true,
  },
  createImage: {
    action: 'createImage',
    vmStates: SNAPSHOTTABLE,
    taskStates: IDLE,
    mustHaveLaunched: true,
    ignoresLock: true,
  },
  createBackup: {
    action: 'createBackup',
    vmStates: SNAPSHOTTABLE,
    taskStates: IDLE,
    mustHaveLaunched: true,
    ignoresLock: true,
  },
  // Nova's ALLOW_TRIGGER_CRASH_DUMP; no task_state is set, so a server waiting in VERIFY_RESIZE takes it too.
  triggerCrashDump: {
    action: 'trigger_crash_dump',
    vmStates: [VmState.Active, VmState.Paused, VmState.Rescued, VmState.Resized, VmState.Error],
    taskStates: IDLE,
    mustHaveLaunched: true,
    hostBeforeState: true,
  },
  // Nova's soft_delete (a delete while reclaim_instance_interval is set): any state, but only a server that ran.
  softDelete: { action: 'delete', vmStates: 'any', taskStates: 'any', mustHaveLaunched: true },
  // The reclaim of a soft-deleted server once its interval has passed (Nova's _reclaim_queued_deletes).
  reclaim: { action: 'delete', vmStates: [VmState.SoftDeleted], taskStates: IDLE, mustHaveLaunched: true },
  restore: { action: 'restore', vmStates: [VmState.SoftDeleted], taskStates: IDLE, mustHaveLaunched: true },
  // Nova's force_delete: any vm_state, but no operation in progress; a server that never ran too.
  forceDelete: {
    action: 'forceDelete',
    vmStates: 'any',
    taskStates: IDLE,
    mustHaveLaunched: false,
    hostOptional: true,
  },
  changePassword: { action: 'changePassword', vmStates: [VmState.Active], taskStates: IDLE, mustHaveLaunched: true },
  // Nova's os-resetState checks neither state nor lock; the running operation is rolled back first instead.
  resetState: {
    action: 'os-resetState',
    vmStates: 'any',
    taskStates: 'any',
    mustHaveLaunched: false,
    hostOptional: true,
    ignoresLock: true,
  },
  shelve: { action: 'shelve', vmStates: SNAPSHOTTABLE, taskStates: IDLE, mustHaveLaunched: true },
  shelveOffload: { action: 'shelveOffload', vmStates: [VmState.Shelved], taskStates: IDLE, mustHaveLaunched: true },
  unshelve: {
    action: 'unshelve',
    vmStates: [VmState.Shelved, VmState.ShelvedOffloaded],
    taskStates: IDLE,
    mustHaveLaunched: true,
    hostOptional: true,
  },
} as const satisfies Record<string, StateRule>;
