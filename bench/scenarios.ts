import { randomBytes, randomUUID } from 'node:crypto';
import { WithStartWorkflowOperation, type WorkflowHandle } from '@temporalio/client';
import { SEED_IMAGES } from '../activities/conductor/seed';
import type { Requester } from '../activities/conductor';
import { instanceFlavor } from '../api/actions/flavor';
import type { RequestContext } from '../api/context';
import { getFlavor } from '../api/queries/flavors';
import { conductorQueue, instanceWorkflowId } from '../domain/naming';
import type { InstanceFlavor } from '../domain/rows';
import { createServerWorkflow } from '../workflows/create-server';
import type { CreateServerInput, ResizeServerInput } from '../workflows/inputs';
import { confirmResizeUpdate } from '../workflows/resize/messages';
import { resizeServerWorkflow } from '../workflows/resize-server';
import {
  baselineAdmissionUpdate,
  baselineConfirmUpdate,
  baselineCreateWorkflow,
  baselineDeleteWorkflow,
  baselineMigrateWorkflow,
  baselineStopWorkflow,
  type BaselineInput,
} from './baseline-workflows';
import { BenchApi, OperationFailed } from './http';
import type { BenchStack } from './stack';

/** How often the API measurements poll GET /servers/{id}. */
export const POLL_MS = 20;
/** One operation that takes longer than this has failed. */
const OPERATION_TIMEOUT_MS = 60_000;
/** A phase gives up after this many failed operations: the numbers would mean nothing, and time is bounded. */
const MAX_FAILURES_PER_PHASE = 3;

export const IMAGE = SEED_IMAGES[0]!.id;

/** One run's shared state: the stack, an API client, the failures every phase records. */
export class Bench {
  readonly api: BenchApi;
  readonly failures: { phase: string; error: string }[] = [];
  /** Every instance ours created (the cleanup deletes those still there). */
  readonly instances = new Set<string>();
  private hostTurn = 0;

  private constructor(
    readonly stack: BenchStack,
    readonly flavor: InstanceFlavor,
  ) {
    this.api = new BenchApi(stack.baseUrl);
  }

  static async create(stack: BenchStack): Promise<Bench> {
    const row = await getFlavor(stack.sql, '1');
    if (!row) throw new Error('flavor 1 (m1.tiny) is not seeded');
    const bench = new Bench(stack, instanceFlavor(row));
    // The bench measures orchestration, not quotas: its project may have as many instances as fit.
    const unlimited = { quota_set: { instances: -1, cores: -1, ram: -1 } };
    await bench.api.expect('PUT', '/os-quota-sets/admin', unlimited, 200);
    return bench;
  }

  /** Runs one operation; a failure is recorded (not thrown) unless the phase has failed too often. */
  async attempt<T>(phase: string, op: () => Promise<T>): Promise<{ value: T } | undefined> {
    try {
      return { value: await withTimeout(op(), OPERATION_TIMEOUT_MS, phase) };
    } catch (err) {
      this.failures.push({ phase, error: err instanceof Error ? err.message : String(err) });
      const inPhase = this.failures.filter((f) => f.phase === phase).length;
      if (inPhase >= MAX_FAILURES_PER_PHASE) throw new Error(`${phase}: ${inPhase} operations failed, giving up`);
      return undefined;
    }
  }

  // ---- ours, through the Temporal client (the API's Operations, without HTTP) ----

  private requestContext(): RequestContext {
    return { requestId: `req-${randomUUID()}`, userId: 'admin', projectId: 'admin', isAdmin: true };
  }

  ourHandle(instanceUuid: string): WorkflowHandle {
    return this.stack.client.workflow.getHandle(instanceWorkflowId(this.stack.settings.queuePrefix, instanceUuid));
  }

  /** createServerWorkflow started as the API starts it (update-with-start, admission), then its result. */
  async ourCreateViaClient(name: string): Promise<string> {
    const ctx = this.requestContext();
    const instanceUuid = randomUUID();
    const input: CreateServerInput = {
      settings: this.stack.settings,
      server: {
        instanceUuid,
        requestId: ctx.requestId,
        userId: ctx.userId,
        projectId: ctx.projectId,
        name,
        flavor: this.flavor,
        imageId: IMAGE,
        metadata: {},
        availabilityZone: null,
        keyName: null,
        description: null,
        reservationId: `r-${randomBytes(4).toString('hex')}`,
      },
    };
    this.instances.add(instanceUuid);
    await this.stack.operations.start({
      workflow: createServerWorkflow,
      input,
      instanceUuid,
      operation: 'create',
      ctx,
      summary: `create server ${name} (${instanceUuid}) with flavor ${this.flavor.name}, requested by admin`,
      busyMessage: async () => `Instance ${instanceUuid} is already being created`,
    });
    await this.ourHandle(instanceUuid).result();
    return instanceUuid;
  }

  /** resizeServerWorkflow (cold migrate) started as the API does, confirmed as soon as it allows, then its result. */
  async ourMigrateViaClient(instanceUuid: string): Promise<void> {
    const ctx = this.requestContext();
    const requester: Requester = { requestId: ctx.requestId, userId: ctx.userId, projectId: ctx.projectId };
    const input: ResizeServerInput = {
      instanceUuid,
      requester,
      settings: this.stack.settings,
      newFlavor: null,
      targetHost: null,
    };
    await this.stack.operations.start({
      workflow: resizeServerWorkflow,
      input,
      instanceUuid,
      operation: 'migrate',
      ctx,
      summary: `migrate server (${instanceUuid}), requested by admin`,
      busyMessage: async () => `Instance ${instanceUuid} is busy`,
    });
    const confirm = this.requestContext();
    await this.stack.operations.update(
      instanceUuid,
      confirmResizeUpdate,
      { requestId: confirm.requestId, userId: confirm.userId, projectId: confirm.projectId },
      () => new OperationFailed(`confirmResize refused for ${instanceUuid}`),
    );
    await this.ourHandle(instanceUuid).result();
  }

  // ---- ours, through the HTTP API ----

  /** POST /servers, then GET every 20 ms until ACTIVE. Returns the ID and the accept (202) latency. */
  async ourCreateViaApi(name: string): Promise<{ id: string; acceptMs: number }> {
    const began = performance.now();
    const id = await this.api.createServer(name, IMAGE);
    const acceptMs = performance.now() - began;
    this.instances.add(id);
    await this.api.waitForStatus(id, 'ACTIVE', POLL_MS, OPERATION_TIMEOUT_MS);
    return { id, acceptMs };
  }

  /** migrate (202), GET until VERIFY_RESIZE, confirmResize (204), GET until ACTIVE. */
  async ourMigrateViaApi(id: string): Promise<void> {
    await this.api.action(id, { migrate: null }, 202);
    await this.api.waitForStatus(id, 'VERIFY_RESIZE', POLL_MS, OPERATION_TIMEOUT_MS);
    await this.api.action(id, { confirmResize: null }, 204);
    await this.api.waitForStatus(id, 'ACTIVE', POLL_MS, OPERATION_TIMEOUT_MS);
  }

  /** One create+delete pair through the API, each waited for on its workflow's result (no polling load). */
  async ourCreateDeletePair(name: string): Promise<void> {
    const id = await this.api.createServer(name, IMAGE);
    this.instances.add(id);
    await this.ourHandle(id).result();
    await this.api.expect('DELETE', `/servers/${id}`, undefined, 204);
    await this.ourHandle(id).result();
    this.instances.delete(id);
  }

  async ourDeleteViaApi(id: string): Promise<void> {
    await this.api.expect('DELETE', `/servers/${id}`, undefined, 204);
    await this.ourHandle(id).result();
    this.instances.delete(id);
  }

  // ---- the baseline ----

  nextHost(): string {
    const hosts = this.stack.hosts;
    return hosts[this.hostTurn++ % hosts.length]!;
  }

  /** The host after `host` in the run's order: where the baseline's moves go. */
  otherHost(host: string): string {
    const hosts = this.stack.hosts;
    return hosts[(hosts.indexOf(host) + 1) % hosts.length]!;
  }

  baselineInput(host: string, dest?: string, queuedSteps = false): BaselineInput {
    return { settings: this.stack.baselineSettings, host, dest, queuedSteps };
  }

  /** Update-with-start with the admission update, like the API; returns the run's handle. */
  async baselineStart(
    workflow: (input: BaselineInput) => Promise<void>,
    workflowId: string,
    input: BaselineInput,
  ): Promise<WorkflowHandle> {
    const startWorkflowOperation = new WithStartWorkflowOperation(workflow, {
      workflowId,
      taskQueue: conductorQueue(this.stack.baselineSettings.queuePrefix),
      args: [input] as [BaselineInput],
      workflowIdConflictPolicy: 'FAIL',
    });
    await this.stack.client.workflow.executeUpdateWithStart(baselineAdmissionUpdate, { startWorkflowOperation });
    return startWorkflowOperation.workflowHandle();
  }

  baselineId(): string {
    return instanceWorkflowId(this.stack.baselineSettings.queuePrefix, randomUUID());
  }

  /** `queuedSteps`: the twin whose conductor steps are activities on a queue (bench/baseline-workflows.ts). */
  async baselineCreate(workflowId: string, host: string, queuedSteps = false): Promise<void> {
    const input = this.baselineInput(host, undefined, queuedSteps);
    await (await this.baselineStart(baselineCreateWorkflow, workflowId, input)).result();
  }

  async baselineDelete(workflowId: string, host: string, queuedSteps = false): Promise<void> {
    const input = this.baselineInput(host, undefined, queuedSteps);
    await (await this.baselineStart(baselineDeleteWorkflow, workflowId, input)).result();
  }

  /** A baseline create then delete of a fresh workflow ID on the next host. */
  async baselineCreateDeletePair(queuedSteps = false): Promise<void> {
    const id = this.baselineId();
    const host = this.nextHost();
    await this.baselineCreate(id, host, queuedSteps);
    await this.baselineDelete(id, host, queuedSteps);
  }

  async baselineMigrate(workflowId: string, source: string, queuedSteps = false): Promise<void> {
    const dest = this.otherHost(source);
    const input = this.baselineInput(source, dest, queuedSteps);
    const handle = await this.baselineStart(baselineMigrateWorkflow, workflowId, input);
    await handle.executeUpdate(baselineConfirmUpdate, { args: [{ requestId: `req-${randomUUID()}` }] });
    await handle.result();
  }

  /** The baseline's state-checked action accept: update-with-start until admission has answered. */
  async baselineStopAccepted(workflowId: string, host: string): Promise<WorkflowHandle> {
    return this.baselineStart(baselineStopWorkflow, workflowId, this.baselineInput(host));
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new OperationFailed(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `count` operations one after another; returns the latencies of those that succeeded. */
export async function sequential<T>(
  bench: Bench,
  phase: string,
  count: number,
  op: (i: number) => Promise<T>,
): Promise<{ samples: number[]; values: T[] }> {
  const samples: number[] = [];
  const values: T[] = [];
  for (let i = 0; i < count; i++) {
    const began = performance.now();
    const outcome = await bench.attempt(phase, () => op(i));
    if (!outcome) continue;
    samples.push(performance.now() - began);
    values.push(outcome.value);
  }
  return { samples, values };
}

export interface ClosedLoopResult {
  /** Completed iterations. */
  count: number;
  /** From the first start to the last completion (iterations started before the deadline all finish). */
  elapsedMs: number;
  perSecond: number;
  /** Each iteration's latency. */
  samples: number[];
  /** Why the loops stopped early (too many failed operations), when `tolerant` asked for the partial result. */
  aborted?: string;
}

/**
 * `concurrency` closed loops that start a new iteration while the clock is under `seconds`; the rate counts every
 * completed iteration over the time until the last one finished.
 */
export async function closedLoop(
  bench: Bench,
  phase: string,
  concurrency: number,
  seconds: number,
  op: (loop: number, i: number) => Promise<unknown>,
  tolerant = false,
): Promise<ClosedLoopResult> {
  const began = performance.now();
  const deadline = began + seconds * 1000;
  const samples: number[] = [];
  let count = 0;
  let aborted: unknown;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, loop) => {
      for (let i = 0; performance.now() < deadline && aborted === undefined; i++) {
        const start = performance.now();
        try {
          if (!(await bench.attempt(phase, () => op(loop, i)))) continue;
        } catch (err) {
          aborted = err;
          return;
        }
        samples.push(performance.now() - start);
        count++;
      }
    }),
  );
  if (aborted !== undefined && !tolerant) throw aborted;
  const elapsedMs = performance.now() - began;
  const result: ClosedLoopResult = { count, elapsedMs, perSecond: count / (elapsedMs / 1000), samples };
  if (aborted !== undefined) result.aborted = aborted instanceof Error ? aborted.message : String(aborted);
  return result;
}

/** Runs `op` over `items` with at most `concurrency` at a time. */
export async function forEachConcurrently<T>(
  items: T[],
  concurrency: number,
  op: (item: T) => Promise<void>,
): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await op(item);
    }),
  );
}
