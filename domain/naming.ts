/**
 * Task queue names and workflow IDs. Every process derives them from here so that a queue prefix (one per
 * deployment, or one per test file) keeps deployments apart on a shared Temporal server.
 */
export function conductorQueue(prefix: string): string {
  return `${prefix}conductor`;
}

export function computeQueue(prefix: string, host: string): string {
  return `${prefix}compute-${host}`;
}

/** One ID per instance: Temporal itself then allows one running operation per instance. */
export function instanceWorkflowId(prefix: string, instanceUuid: string): string {
  return `${prefix}instance-${instanceUuid}`;
}

/** The short runs beside whatever operation holds a server: record changes, console reads, crash dumps. */
const SERVER_TASKS = ['update', 'lock', 'unlock', 'console', 'crash-dump', 'password'] as const;
export type ServerTask = (typeof SERVER_TASKS)[number];

/**
 * The run of a server task (PUT /servers/{id}, lock, unlock, os-getConsoleOutput, trigger_crash_dump): beside
 * the operation holding `instanceWorkflowId`, and found with it in the Web UI by the ID's prefix.
 */
export function serverTaskWorkflowId(
  prefix: string,
  instanceUuid: string,
  task: ServerTask,
  requestId: string,
): string {
  return `${instanceWorkflowId(prefix, instanceUuid)}-${task}-${requestId}`;
}

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
/** Compiled once: every activity's and workflow's log lines ask. */
const INSTANCE_OF_WORKFLOW_ID = new RegExp(`instance-(${UUID})(?:-(?:${SERVER_TASKS.join('|')})-req-${UUID})?$`, 'i');

/**
 * The instance an `instanceWorkflowId` or a `serverTaskWorkflowId` names, whatever the prefix (for log lines);
 * undefined for any other workflow ID.
 */
export function instanceUuidOfWorkflowId(workflowId: string): string | undefined {
  return INSTANCE_OF_WORKFLOW_ID.exec(workflowId)?.[1];
}

export function hostWorkflowId(prefix: string, host: string): string {
  return `${prefix}host-${host}`;
}

/** Host names become task queue names and directory names: keep them to a safe alphabet. */
export const HOST_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * The advisory-lock key under which image bytes are activated and removed (by the image service and the
 * conductor alike), so a delete never removes bytes another image is being made active with.
 */
export function imageDataLockKey(sha256: string): string {
  return `image-data:${sha256}`;
}

/** One run per repair request: two operators repairing at once each get their own, serialised by host locks. */
export function allocationRepairWorkflowId(prefix: string, requestId: string): string {
  return `${prefix}allocation-repair-${requestId}`;
}
