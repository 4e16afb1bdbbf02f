import type { ActionEvent } from '../activities/conductor/events';
import { failureMessage, stepFailure } from './failures';

/** Nova's event names for the steps of instance actions (instance_action_events.event). */
export const EventName = {
  ScheduleAndBuild: 'conductor_schedule_and_build_instances',
  BuildAndRun: 'compute__do_build_and_run_instance',
  Terminate: 'compute_terminate_instance',
  SoftDelete: 'compute_soft_delete_instance',
  StopInstance: 'compute_stop_instance',
  StartInstance: 'compute_start_instance',
  RebootInstance: 'compute_reboot_instance',
  MigrateServer: 'conductor_migrate_server',
  ResizeInstance: 'compute_resize_instance',
  FinishResize: 'compute_finish_resize',
  ConfirmResize: 'compute_confirm_resize',
  RevertResize: 'compute_revert_resize',
  // Nova records rebuild and evacuate under the same names (conductor manager, compute manager).
  RebuildServer: 'rebuild_server',
  RebuildInstance: 'compute_rebuild_instance',
  SnapshotInstance: 'compute_snapshot_instance',
  BackupInstance: 'compute_backup_instance',
  TriggerCrashDump: 'compute_trigger_crash_dump',
  SetAdminPassword: 'compute_set_admin_password',
  ShelveInstance: 'compute_shelve_instance',
  ShelveOffloadInstance: 'compute_shelve_offload_instance',
  /** Unshelve of an offloaded instance: the shelve image is looked up, a host chosen, the guest spawned there. */
  GetImageInfo: 'get_image_info',
  ScheduleInstances: 'schedule_instances',
  UnshelveInstance: 'compute_unshelve_instance',
  LiveMigrateInstance: 'conductor_live_migrate_instance',
  /** Live migration pre-checks: one destination event per host tried, so a refusing host shows with its reason. */
  CheckCanLiveMigrateSource: 'compute_check_can_live_migrate_source',
  CheckCanLiveMigrateDestination: 'compute_check_can_live_migrate_destination',
  PreLiveMigration: 'compute_pre_live_migration',
  LiveMigration: 'compute_live_migration',
} as const;

export function started(name: string, host?: string | null): ActionEvent {
  return { name, host };
}

export function succeeded(name: string, host?: string | null): ActionEvent {
  return { name, host, finish: { result: 'Success' } };
}

/**
 * An event that ended in error keeps the failure as its traceback (shown to admins only): the host's own failure
 * when the operation ran out of alternates after it.
 */
export function failed(name: string, err: unknown, host?: string | null): ActionEvent {
  return { name, host, finish: { result: 'Error', traceback: failureMessage(stepFailure(err)) } };
}
