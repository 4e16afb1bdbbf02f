import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  defineQuery,
  defineUpdate,
  setHandler,
} from '@temporalio/workflow';
import { admissionDecided, trackProgress } from './progress';

/**
 * The API starts an operation with update-with-start and waits on this update: it completes once the conductor
 * has admitted the operation (task_state set under a row lock) and fails with the conductor's reason otherwise,
 * so the API can answer 202 or Nova's 409 without ever writing state itself.
 */
export const admissionUpdate = defineUpdate<void>('admission');

/** Whether this run was admitted, refused, or is still deciding: lets the API tell a refused run from a rival. */
export const admissionQuery = defineQuery<AdmissionState>('admission');
export type AdmissionState = 'pending' | 'admitted' | 'refused';

type Outcome = { admitted: true } | { admitted: false; failure: ApplicationFailure };

/** The reason an activity refused, as an ApplicationFailure the API can translate (admission, updates). */
export function refusal(err: unknown): ApplicationFailure {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) {
    return ApplicationFailure.create({
      message: err.cause.message,
      type: err.cause.type ?? undefined,
      nonRetryable: true,
    });
  }
  if (err instanceof ApplicationFailure) return err;
  return ApplicationFailure.create({ message: String(err), type: 'AdmissionFailed', nonRetryable: true });
}

export class AdmissionGate {
  private outcome: Outcome | undefined;

  constructor() {
    trackProgress();
    setHandler(admissionQuery, () => (this.outcome ? (this.outcome.admitted ? 'admitted' : 'refused') : 'pending'));
    setHandler(admissionUpdate, async () => {
      await condition(() => this.outcome !== undefined);
      if (this.outcome && !this.outcome.admitted) throw this.outcome.failure;
    });
  }

  /**
   * Runs the admission step. Returns its result, or null when it was refused; the workflow should then
   * return at once: the refusal is the operation's whole story.
   */
  async admit<T>(step: () => Promise<T>): Promise<{ value: T } | null> {
    try {
      const value = await step();
      this.outcome = { admitted: true };
      admissionDecided(true);
      return { value };
    } catch (err) {
      this.outcome = { admitted: false, failure: refusal(err) };
      admissionDecided(false, this.outcome.failure.message);
      await condition(allHandlersFinished);
      return null;
    }
  }
}
