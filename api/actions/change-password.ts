import { ActivityFailure, TimeoutFailure } from '@temporalio/common';
import { z } from 'zod';
import { FaultType } from '../../domain/faults';
import { StateRules } from '../../domain/guards';
import { sealSecret } from '../../domain/sealed-secret';
import { changePasswordWorkflow } from '../../workflows/change-password';
import {
  InstanceInvalidState,
  NotImplemented,
  ServiceUnavailable,
  computeServiceUnavailable,
  type NovaError,
} from '../errors';
import type { RunOutcome } from '../operations';
import { defineAction, guardState, startGuarded } from './action';

/** Nova's change_password schema: the new admin password, a string. */
const changePasswordBody = z.strictObject({ adminPass: z.string() });

/**
 * Nova's set_admin_password is an RPC call the API waits for. The host step gives up on a host that does not
 * pick it up within seconds (two attempts), so a run that has not ended by then is stuck, not slow.
 */
const PASSWORD_SET_DEADLINE_MS = 30_000;

const NOT_SUPPORTED = 'Unable to set password on instance';

/** Nova's answer for how the password's run ended; null when the password is set. */
function answerFor(outcome: RunOutcome, uuid: string, host: string): NovaError | null {
  const setFailed = (reason: string) =>
    new InstanceInvalidState(`Failed to set admin password on ${uuid} because ${reason}`);
  switch (outcome.ended) {
    case 'completed':
      return null;
    case 'running':
      return new ServiceUnavailable('The password change did not finish in time; check the server before retrying.');
    case 'cancelled':
      return setFailed('error setting admin password');
    case 'failed': {
      const { failure } = outcome;
      const type = (failure as { type?: string } | undefined)?.type;
      if (type === FaultType.InstanceNotRunning) return setFailed(`instance ${uuid} is not running`);
      if (type === FaultType.PasswordNotSupported) return new NotImplemented(NOT_SUPPORTED);
      if (failure?.cause instanceof ActivityFailure && failure.cause.cause instanceof TimeoutFailure) {
        return computeServiceUnavailable(host);
      }
      return setFailed('error setting admin password');
    }
  }
}

/**
 * changePassword (`openstack server set --password`): the guest agent sets the admin password; 202 once it has.
 * The password is sealed here for the server's host, so the workflow, its history in the Temporal UI and the
 * conductor only ever hold the sealed form. A host that fails answers Nova's 409 InstancePasswordSetFailed, which
 * never quotes the password; a host that has no secret to open it with, Nova's 501.
 */
export const changePassword = defineAction({
  key: 'changePassword',
  policy: 'os_compute_api:os-admin-password',
  schema: changePasswordBody,
  async handle(body, call) {
    const { instance, guestSecret } = call;
    guardState(StateRules.changePassword, call);
    if (!guestSecret) throw new NotImplemented(NOT_SUPPORTED);
    const sealed = sealSecret(body.adminPass, guestSecret, instance.uuid);
    const run = await startGuarded(call, {
      rule: StateRules.changePassword,
      workflow: changePasswordWorkflow,
      input: (base) => ({ ...base, sealed }),
      operation: 'changePassword',
    });
    const answer = answerFor(
      await call.operations.outcomeOf(run, PASSWORD_SET_DEADLINE_MS),
      instance.uuid,
      instance.host!,
    );
    if (answer) throw answer;
    return { status: 202 };
  },
});
