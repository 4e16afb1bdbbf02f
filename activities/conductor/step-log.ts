import { ApplicationFailure } from '@temporalio/common';
import type { Queryable, Sql } from './db';

/** One local step of one workflow run: the local activity's sequence number is unique within its run. */
export interface StepKey {
  runId: string;
  activityId: string;
  activityType: string;
}

/** A business failure a step ended with, as the workflow saw it. */
export interface RecordedFailure {
  type: string;
  message: string;
  details: unknown[];
}

/** What a step returned (`value` absent: it returned nothing) or the failure it ended with. */
export type StepOutcome = { value?: unknown } | { failure: RecordedFailure };

/**
 * How long a step's outcome is kept. It is needed only until the workflow task that ran the step completes,
 * which takes milliseconds unless every conductor is down; three days cover a conductor fleet down over a
 * weekend.
 */
const RETENTION = '3 days';
/** Old rows are purged once per this many recorded steps of a process, off the step's path. */
const PURGE_EVERY = 1000;

/** The step_results table (migrations/00021): what each local conductor step of a run returned. */
export class StepLog {
  private recordedSincePurge = 0;

  constructor(
    private readonly sql: Sql,
    private readonly onPurgeFailed: (err: unknown) => void = () => undefined,
  ) {}

  async recall(key: StepKey): Promise<StepOutcome | undefined> {
    return recalledOutcome(key, await recallStatement(this.sql, key));
  }

  /**
   * Written after the step committed and before the workflow sees its result. Asynchronous commit is enough:
   * the next step's synchronous commit flushes the write-ahead log up to it, and a row lost with no later commit
   * only makes a second run of the task a plain retry of this step, which every step is idempotent for.
   */
  async record(key: StepKey, outcome: StepOutcome): Promise<void> {
    // One statement, its own transaction: set_config(..., true) holds until that transaction's commit.
    await this.sql`
      WITH async_commit AS (SELECT set_config('synchronous_commit', 'off', true))
      INSERT INTO step_results (run_id, activity_id, activity_type, outcome)
      SELECT ${key.runId}::uuid, ${key.activityId}, ${key.activityType}, ${this.sql.json(outcome as never)}::json
      FROM async_commit
      ON CONFLICT DO NOTHING`;
    this.counted();
  }

  /** Counts an outcome a step's own transaction recorded (recordStatement), for the purge's cadence. */
  counted(): void {
    if (++this.recordedSincePurge >= PURGE_EVERY) {
      this.recordedSincePurge = 0;
      this.purge().catch(this.onPurgeFailed);
    }
  }

  /** Removes outcomes past the retention; returns how many. */
  async purge(): Promise<number> {
    const result = await this.sql`DELETE FROM step_results WHERE recorded_at < now() - ${RETENTION}::interval`;
    return result.count;
  }
}

type RecallRow = { activity_type: string; outcome: StepOutcome };

/** The recorded outcome of a step, as a statement not yet sent: a step's transaction pipelines it. */
export function recallStatement(q: Queryable, key: StepKey) {
  return q<RecallRow[]>`
    SELECT activity_type, outcome FROM step_results WHERE run_id = ${key.runId} AND activity_id = ${key.activityId}`;
}

export function recalledOutcome(key: StepKey, [row]: readonly RecallRow[]): StepOutcome | undefined {
  // Another type under the same number: the workflow's code changed between the two runs of the task.
  return row?.activity_type === key.activityType ? row.outcome : undefined;
}

/**
 * Records a step's outcome inside the step's own transaction (not yet sent): it commits with the step, with the
 * step's synchronous commit. A record already there (another run of the step committed first) fails it, and the
 * step's transaction with it.
 */
export function recordStatement(q: Queryable, key: StepKey, outcome: StepOutcome) {
  return q`
    INSERT INTO step_results (run_id, activity_id, activity_type, outcome)
    VALUES (${key.runId}::uuid, ${key.activityId}, ${key.activityType}, ${q.json(outcome as never)}::json)`;
}

/** What the step's first run returned, or its failure thrown again as the workflow saw it. */
export function replayOutcome(outcome: StepOutcome): unknown {
  if (!('failure' in outcome)) return outcome.value;
  const { type, message, details } = outcome.failure;
  throw ApplicationFailure.create({ type, message, details, nonRetryable: true });
}
