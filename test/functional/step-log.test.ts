import { randomUUID } from 'node:crypto';
import { Socket } from 'node:net';
import { asyncLocalStorage as activityContext, type Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ActivityExecuteInput, Next, ActivityInboundCallsInterceptor } from '@temporalio/worker';
import { connectDatabase, type Sql } from '../../activities/conductor/db';
import { StepLog } from '../../activities/conductor/step-log';
import { stepAwareSql } from '../../activities/conductor/step-transaction';
import { FaultType } from '../../domain/faults';
import { stepLogInterceptor } from '../../worker/step-log-interceptor';
import { cloneDatabase } from '../support/test-stack';

// The step log against the real PostgreSQL: a local step run a second time in the same workflow run (its
// conductor died before the workflow task completed) returns what the first run returned, or throws what it
// threw, without running again.

let sql: Sql;
let databaseUrl: string;

beforeAll(async () => {
  databaseUrl = await cloneDatabase(`step_log_${process.pid}`);
  sql = connectDatabase(databaseUrl, 4);
  await sql`CREATE TABLE step_effects (run_id uuid NOT NULL, note text NOT NULL)`;
});

afterAll(() => sql.end());

type Execute = Next<ActivityInboundCallsInterceptor, 'execute'>;

/** One step of one run as the worker would call it: `isLocal` false is a queued activity. */
function stepOf(runId: string, activityId: string, isLocal = true, oneTransactionSteps = new Set<string>()) {
  const ctx = {
    info: { isLocal, activityId, activityType: 'advanceTask', workflowExecution: { workflowId: 'w', runId } },
    log: { info: () => undefined },
  } as unknown as Context;
  const inbound = stepLogInterceptor(new StepLog(sql), oneTransactionSteps)(ctx).inbound!;
  // As the worker runs it: inside the activity's context.
  return (body: Execute) =>
    activityContext.run(ctx, () => inbound.execute!({ args: [], headers: {} } as ActivityExecuteInput, body));
}

/** A one-transaction step (the conductor's `begin` through stepAwareSql logs it inside its transaction). */
function oneTransactionStepOf(runId: string, activityId: string) {
  return stepOf(runId, activityId, true, new Set(['advanceTask']));
}

const conductorSql = () => stepAwareSql(sql, new StepLog(sql));

async function effectsOf(runId: string): Promise<string[]> {
  const rows = await sql<{ note: string }[]>`SELECT note FROM step_effects WHERE run_id = ${runId} ORDER BY note`;
  return rows.map((r) => r.note);
}

/** Writes to any socket while `run` runs: a pipelined round trip to PostgreSQL is one write. */
async function countingSocketWrites(run: () => Promise<unknown>): Promise<number> {
  const write = jest.spyOn(Socket.prototype, 'write');
  try {
    await run();
    return write.mock.calls.length;
  } finally {
    write.mockRestore();
  }
}

function counting(body: () => Promise<unknown>): Execute & { calls: number } {
  const fn = Object.assign(
    async () => {
      fn.calls++;
      return body();
    },
    { calls: 0 },
  );
  return fn;
}

it('returns a local step’s recorded result on its second run instead of running it again', async () => {
  const runId = randomUUID();
  const body = counting(async () => ({ host: 'host-a', at: new Date('2026-12-06T00:00:00Z') }));
  expect(await stepOf(runId, '1')(body)).toEqual({ host: 'host-a', at: new Date('2026-12-06T00:00:00Z') });
  // As the workflow saw it: through JSON, like the history's payload.
  expect(await stepOf(runId, '1')(body)).toEqual({ host: 'host-a', at: '2026-12-06T00:00:00.000Z' });
  expect(body.calls).toBe(1);

  const next = counting(async () => 'second step');
  expect(await stepOf(runId, '2')(next)).toBe('second step');
  expect(next.calls).toBe(1);
});

it('remembers a step that returned nothing', async () => {
  const runId = randomUUID();
  const body = counting(async () => undefined);
  await stepOf(runId, '1')(body);
  expect(await stepOf(runId, '1')(body)).toBeUndefined();
  expect(body.calls).toBe(1);
});

it('throws a recorded business failure again, with its type, message and details', async () => {
  const runId = randomUUID();
  const body = counting(async () => {
    throw ApplicationFailure.nonRetryable('No valid host was found.', FaultType.NoValidHost, { hosts: 3 });
  });
  await expect(stepOf(runId, '1')(body)).rejects.toThrow('No valid host was found.');
  const again = await stepOf(runId, '1')(body).catch((err: unknown) => err);
  expect(again).toBeInstanceOf(ApplicationFailure);
  expect(again).toMatchObject({ type: FaultType.NoValidHost, nonRetryable: true, details: [{ hosts: 3 }] });
  expect(body.calls).toBe(1);
});

it('records neither a failure the step retries nor a queued activity', async () => {
  const runId = randomUUID();
  const flaky = counting(async () => {
    throw new Error('connection reset');
  });
  await expect(stepOf(runId, '1')(flaky)).rejects.toThrow('connection reset');
  await expect(stepOf(runId, '1')(flaky)).rejects.toThrow('connection reset');
  expect(flaky.calls).toBe(2);

  const queued = counting(async () => 'queued');
  await stepOf(runId, '2', false)(queued);
  await stepOf(runId, '2', false)(queued);
  expect(queued.calls).toBe(2);
  expect(await sql`SELECT 1 FROM step_results WHERE run_id = ${runId}`).toHaveLength(0);
});

it('keeps steps of other runs apart', async () => {
  const [first, second] = [counting(async () => 'a'), counting(async () => 'b')];
  expect(await stepOf(randomUUID(), '1')(first)).toBe('a');
  expect(await stepOf(randomUUID(), '1')(second)).toBe('b');
});

it('purges outcomes older than three days only', async () => {
  const [old, recent] = [randomUUID(), randomUUID()];
  await stepOf(old, '1')(async () => 'old');
  await stepOf(recent, '1')(async () => 'recent');
  await sql`UPDATE step_results SET recorded_at = now() - interval '3 days 1 minute' WHERE run_id = ${old}`;
  await sql`UPDATE step_results SET recorded_at = now() - interval '2 days' WHERE run_id = ${recent}`;
  expect(await new StepLog(sql).purge()).toBeGreaterThanOrEqual(1);
  const left = await sql<{ run_id: string }[]>`SELECT run_id FROM step_results WHERE run_id IN ${sql([old, recent])}`;
  expect(left.map((r) => r.run_id)).toEqual([recent]);
});

describe('a one-transaction step', () => {
  it('records its outcome inside its transaction, and a second run rolls its statements back and returns it', async () => {
    const runId = randomUUID();
    const body = counting(() =>
      conductorSql().begin(async (tx) => {
        await tx`INSERT INTO step_effects VALUES (${runId}, 'advanced')`;
        return { host: 'host-a', at: new Date('2026-12-06T00:00:00Z') };
      }),
    );
    expect(await oneTransactionStepOf(runId, '1')(body)).toEqual({
      host: 'host-a',
      at: new Date('2026-12-06T00:00:00Z'),
    });
    const [row] = await sql<{ outcome: unknown }[]>`SELECT outcome FROM step_results WHERE run_id = ${runId}`;
    expect(row?.outcome).toEqual({ value: { host: 'host-a', at: '2026-12-06T00:00:00.000Z' } });

    // The second run's statements went out with the lookup; they are undone, not applied twice.
    expect(await oneTransactionStepOf(runId, '1')(body)).toEqual({ host: 'host-a', at: '2026-12-06T00:00:00.000Z' });
    expect(await effectsOf(runId)).toEqual(['advanced']);
  });

  it('records nothing for a step whose transaction rolled back on a retryable error, and commits its retry', async () => {
    const runId = randomUUID();
    let attempt = 0;
    const body = async () =>
      conductorSql().begin(async (tx) => {
        await tx`INSERT INTO step_effects VALUES (${runId}, ${`attempt ${++attempt}`})`;
        if (attempt === 1) throw new Error('connection reset');
      });
    await expect(oneTransactionStepOf(runId, '1')(body)).rejects.toThrow('connection reset');
    expect(await sql`SELECT 1 FROM step_results WHERE run_id = ${runId}`).toHaveLength(0);
    await oneTransactionStepOf(runId, '1')(body);
    expect(await effectsOf(runId)).toEqual(['attempt 2']);
  });

  it('rolls back a business failure and throws it again on a second run without applying anything', async () => {
    const runId = randomUUID();
    const body = counting(() =>
      conductorSql().begin(async (tx) => {
        await tx`INSERT INTO step_effects VALUES (${runId}, 'refused')`;
        throw ApplicationFailure.nonRetryable('Cannot stop while it is shelved', FaultType.InstanceInvalidState);
      }),
    );
    await expect(oneTransactionStepOf(runId, '1')(body)).rejects.toThrow('Cannot stop while it is shelved');
    const again = await oneTransactionStepOf(runId, '1')(body).catch((err: unknown) => err);
    expect(again).toMatchObject({ type: FaultType.InstanceInvalidState, nonRetryable: true });
    expect(await effectsOf(runId)).toEqual([]);
  });

  it('fails for good when it begins a second transaction inside its first, or returns without one', async () => {
    const nested = () => conductorSql().begin(async () => conductorSql().begin(async () => 'inner'));
    await expect(oneTransactionStepOf(randomUUID(), '1')(nested)).rejects.toMatchObject({
      type: 'StepContractError',
      nonRetryable: true,
    });
    // Nothing would look its outcome up on a second run.
    const none = async () => 'no transaction';
    await expect(oneTransactionStepOf(randomUUID(), '1')(none)).rejects.toMatchObject({
      type: 'StepContractError',
      nonRetryable: true,
    });
  });

  it('logs a transaction begun with options as one begun without', async () => {
    const runId = randomUUID();
    const body = () =>
      conductorSql().begin('isolation level repeatable read', async (tx) => {
        await tx`INSERT INTO step_effects VALUES (${runId}, 'with options')`;
        return (await tx`SHOW transaction_isolation`)[0]!['transaction_isolation'] as string;
      });
    expect(await oneTransactionStepOf(runId, '1')(body)).toBe('repeatable read');
    expect(await oneTransactionStepOf(runId, '1')(body)).toBe('repeatable read');
    expect(await effectsOf(runId)).toEqual(['with options']);
  });

  it('runs what follows its commit again on a second run, from the first run’s result', async () => {
    const runId = randomUUID();
    const released: unknown[] = [];
    const body = async () => {
      const sql = conductorSql();
      const sha256 = await sql.begin(async (tx) => {
        await tx`INSERT INTO step_effects VALUES (${runId}, 'deleted')`;
        return 'sha-of-the-shelve-image';
      });
      await sql.begin(async (tx) => released.push((await tx`SELECT ${sha256}::text AS sha`)[0]!['sha']));
    };
    await oneTransactionStepOf(runId, '1')(body);
    await oneTransactionStepOf(runId, '1')(body);
    expect(released).toEqual(['sha-of-the-shelve-image', 'sha-of-the-shelve-image']);
    expect(await effectsOf(runId)).toEqual(['deleted']);
  });

  it('commits the effects of one of two overlapping runs of the same step, and both return its result', async () => {
    const runId = randomUUID();
    // Both runs send their statements before either records: the second record waits for the first's commit.
    let started = 0;
    let bothStarted: () => void = () => undefined;
    const together = new Promise<void>((resolve) => (bothStarted = resolve));
    const run = (note: string) => () =>
      conductorSql().begin(async (tx) => {
        await tx`INSERT INTO step_effects VALUES (${runId}, ${note})`;
        if (++started === 2) bothStarted();
        await together;
        return note;
      });
    const results = await Promise.all([
      oneTransactionStepOf(runId, '1')(run('first')),
      oneTransactionStepOf(runId, '1')(run('second')),
    ]);
    const effects = await effectsOf(runId);
    expect(effects).toHaveLength(1);
    expect(results).toEqual([effects[0], effects[0]]);
  });

  it('goes to PostgreSQL twice: BEGIN, the lookup and its statements, then the record and COMMIT', async () => {
    // One connection, so every statement is prepared on it by the first run and none waits for a describe.
    const single = connectDatabase(databaseUrl, 1);
    const log = new StepLog(single);
    const step = (runId: string) =>
      oneTransactionStepOf(
        runId,
        '1',
      )(() =>
        stepAwareSql(single, log).begin(async (tx) => {
          await Promise.all([
            tx`INSERT INTO step_effects VALUES (${runId}, 'one')`,
            tx`INSERT INTO step_effects VALUES (${runId}, 'two')`,
          ]);
          return 'done';
        }),
      );
    try {
      await step(randomUUID());
      const writes = await countingSocketWrites(() => step(randomUUID()));
      expect(writes).toBe(2);
    } finally {
      await single.end();
    }
  });

  it('is a plain transaction outside a step', async () => {
    const runId = randomUUID();
    await conductorSql().begin(async (tx) => tx`INSERT INTO step_effects VALUES (${runId}, 'outside')`);
    expect(await effectsOf(runId)).toEqual(['outside']);
    expect(await sql`SELECT 1 FROM step_results WHERE run_id = ${runId}`).toHaveLength(0);
  });
});
