/** How the Temporal UI names each operation in a run's one-line summary (Nova's action names read oddly there). */
const VERBS: Readonly<Record<string, string>> = {
  migrate: 'cold migrate',
  'live-migration': 'live migrate',
  reboot: 'soft reboot',
  'reboot-hard': 'hard reboot',
  createImage: 'snapshot',
  createBackup: 'back up',
  console: 'read the console of',
  shelveOffload: 'offload shelved',
  softDelete: 'soft-delete',
};

/** Operations that take the server away from its host: the summary says where from. */
const MOVES: ReadonlySet<string> = new Set(['migrate', 'resize', 'live-migration', 'evacuate']);

export interface SummaryFacts {
  operation: string;
  name: string;
  host: string | null;
  userId: string;
  /** Where it goes or what it becomes, as a phrase: `to host-c`, `to flavor m1.large`, `to image backup-1`. */
  target?: string | undefined;
}

/**
 * The run's static summary in the Temporal UI, one line saying what the operation is:
 * `cold migrate server web-1 from host-a to host-c, requested by admin`.
 */
export function operationSummary(facts: SummaryFacts): string {
  const verb = VERBS[facts.operation] ?? facts.operation;
  const where = facts.host ? ` ${MOVES.has(facts.operation) ? 'from' : 'on'} ${facts.host}` : '';
  const target = facts.target ? ` ${facts.target}` : '';
  return `${verb} server ${facts.name}${where}${target}, requested by ${facts.userId}`;
}

/** The run's static details: who asked, for which instance and project, under which request ID. */
export function operationDetails(facts: {
  instanceUuid: string;
  projectId: string;
  userId: string;
  requestId: string;
}): string {
  return [
    `instance: ${facts.instanceUuid}`,
    `project: ${facts.projectId}`,
    `user: ${facts.userId}`,
    `request: ${facts.requestId}`,
  ].join('\n');
}
