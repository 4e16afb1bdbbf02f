/**
 * The physical limit of this design: raw Temporal workflows with the same number and shape of activities as our
 * operations, whose activities do nothing. They use our activity proxies and options (workflows/activities.ts:
 * conductor steps local, hypervisor steps on a host's queue) on their own queues (prefix `baseline-`), and they
 * are started the way the API starts an operation: update-with-start with an `admission` update that completes
 * once the first (admission) activity has returned. With `queuedSteps`, create and delete take their conductor
 * steps from the queue instead: raw Temporal as it is commonly written.
 *
 * Bundled on its own (bench/stack.ts), run by workers that copy the conductor's and the compute hosts' settings.
 */
import { condition, defineUpdate, setHandler } from '@temporalio/workflow';
import type { OperationSettings } from '../config';
import { computeOn, conductorOn, queuedConductorOn } from '../workflows/activities';

/** Same name as our admission update (workflows/admission.ts). */
export const baselineAdmissionUpdate = defineUpdate<void>('admission');
/** Same name as our confirm decision (workflows/resize/messages.ts). */
export const baselineConfirmUpdate = defineUpdate<void, [unknown]>('confirmResize');

export interface BaselineInput {
  settings: OperationSettings;
  /** The host the instance runs on (create: where it spawns; migrate: the source). */
  host: string;
  /** Migrate only: the destination. */
  dest?: string;
  /** Conductor steps as activities on the conductor's queue, where ours run them as local activities. */
  queuedSteps?: boolean;
}

type Step = () => Promise<unknown>;
type Steps = Record<string, Step>;

/** Our proxies, with every activity name allowed: the baseline registers no-ops under our activity names. */
function conductor(input: BaselineInput): Steps {
  return (input.queuedSteps ? queuedConductorOn(input.settings) : conductorOn(input.settings)) as unknown as Steps;
}

function compute(input: BaselineInput, host: string): Steps {
  return computeOn(input.settings, host) as unknown as Steps;
}

/** The admission gate, stripped to what Temporal needs: the update completes once admission has run. */
function admissionGate(): { admitted(): void } {
  let admitted = false;
  setHandler(baselineAdmissionUpdate, async () => {
    await condition(() => admitted);
  });
  return { admitted: () => (admitted = true) };
}

/** create: admitCreate (admission), selectAndClaim, advanceTask, spawn (host), finishTask. */
export async function baselineCreateWorkflow(input: BaselineInput): Promise<void> {
  const gate = admissionGate();
  const c = conductor(input);
  await c['admitCreate']!();
  gate.admitted();
  await c['selectAndClaim']!();
  await c['advanceTask']!();
  await compute(input, input.host)['spawn']!();
  await c['finishTask']!();
}

/** delete: admitOperation (admission), destroy (host), markDeleted. */
export async function baselineDeleteWorkflow(input: BaselineInput): Promise<void> {
  const gate = admissionGate();
  const c = conductor(input);
  await c['admitOperation']!();
  gate.admitted();
  await compute(input, input.host)['destroy']!();
  await c['markDeleted']!();
}

/** stop: admitOperation (admission), powerOff (host), finishTask. */
export async function baselineStopWorkflow(input: BaselineInput): Promise<void> {
  const gate = admissionGate();
  const c = conductor(input);
  await c['admitOperation']!();
  gate.admitted();
  await compute(input, input.host)['powerOff']!();
  await c['finishTask']!();
}

/**
 * cold migrate + confirm, the happy path of resizeServerWorkflow: 13 activities (9 conductor, 4 compute on the
 * source and the destination) and a confirm update that waits until the move is done.
 */
export async function baselineMigrateWorkflow(input: BaselineInput): Promise<void> {
  const gate = admissionGate();
  let phase: 'migrating' | 'verify' = 'migrating';
  let decided = false;
  setHandler(baselineConfirmUpdate, async () => {
    await condition(() => phase === 'verify');
    decided = true;
  });
  const c = conductor(input);
  const source = compute(input, input.host);
  const dest = compute(input, input.dest ?? input.host);
  await c['admitOperation']!();
  gate.admitted();
  await c['startMigration']!();
  await c['selectAndClaim']!();
  await c['beginMigrating']!();
  await source['migrateDiskAndPowerOff']!();
  await c['recordMigrated']!();
  await dest['finishMigration']!();
  await c['finishResize']!();
  phase = 'verify';
  await dest['removeMigrationTransfer']!();
  await condition(() => decided);
  await c['beginConfirm']!();
  await source['destroy']!();
  await c['finishConfirm']!();
}

/**
 * shelve with shelved_offload_time 0, the happy path of shelveServerWorkflow: admitSnapshot (admission), powerOff
 * and snapshotDisk on the host between advanceTask and beginImageUpload, finishShelve; then the offload in the
 * same run: destroy on the host, finishOffload.
 */
export async function baselineShelveWorkflow(input: BaselineInput): Promise<void> {
  const gate = admissionGate();
  const c = conductor(input);
  const host = compute(input, input.host);
  await c['admitSnapshot']!();
  gate.admitted();
  await host['powerOff']!();
  await c['advanceTask']!();
  await c['beginImageUpload']!();
  await host['snapshotDisk']!();
  await c['finishShelve']!();
  await host['destroy']!();
  await c['finishOffload']!();
}

/** unshelve of an offloaded server: admitOperation, getShelvedImage, selectAndClaim,
 * advanceTask, spawn on the chosen host, finishUnshelve. */
export async function baselineUnshelveWorkflow(input: BaselineInput): Promise<void> {
  const gate = admissionGate();
  const c = conductor(input);
  await c['admitOperation']!();
  gate.admitted();
  await c['getShelvedImage']!();
  await c['selectAndClaim']!();
  await c['advanceTask']!();
  await compute(input, input.dest ?? input.host)['spawn']!();
  await c['finishUnshelve']!();
}

/** createImage: admitSnapshot (admission), advanceTask twice, beginImageUpload, snapshotDisk on the host,
 * finishSnapshot. */
export async function baselineSnapshotWorkflow(input: BaselineInput): Promise<void> {
  const gate = admissionGate();
  const c = conductor(input);
  await c['admitSnapshot']!();
  gate.admitted();
  await c['advanceTask']!();
  await c['advanceTask']!();
  await c['beginImageUpload']!();
  await compute(input, input.host)['snapshotDisk']!();
  await c['finishSnapshot']!();
}
