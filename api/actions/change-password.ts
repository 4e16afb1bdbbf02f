import { z } from 'zod';
import { FaultType } from '../../domain/faults';
import { StateRules } from '../../domain/guards';
import { sealSecret } from '../../domain/sealed-secret';
import { changePasswordWorkflow } from '../../workflows/change-password';
import { InstanceInvalidState, NotImplemented } from '../errors';
import { defineAction, startGuarded } from './action';

/** Nova's change_password schema: the new admin password, a string. */
const changePasswordBody = z.strictObject({ adminPass: z.string() });

/** Nova's set_admin_password is an RPC call the API waits for: this long for the host's answer. */
const PASSWORD_SET_DEADLINE_MS = 30_000;

/**
 * changePassword (`openstack server set --password`): the guest agent sets the admin password; 202 once it has.
 * The password is sealed here for the server's host, so the workflow, its history in the Temporal UI and the
 * conductor only ever hold the sealed form. A host that fails answers Nova's 409 InstancePasswordSetFailed, which
 * never quotes the password; a deployment with no secret shared with its hosts cannot seal it (Nova's 501).
 */
export const changePassword = defineAction({
  key: 'changePassword',
  policy: 'os_compute_api:os-admin-password',
  schema: changePasswordBody,
  async handle(body, call) {
    const { instance, guestSecret } = call;
    if (!guestSecret) throw new NotImplemented('Unable to set password on instance');
    const sealed = sealSecret(body.adminPass, guestSecret, instance.uuid);
    await startGuarded(call, {
      rule: StateRules.changePassword,
      workflow: changePasswordWorkflow,
      input: (base) => ({ ...base, sealed }),
      operation: 'changePassword',
    });
    const failure = await call.operations.failureOf(instance.uuid, PASSWORD_SET_DEADLINE_MS);
    if (failure) {
      const reason =
        failure.type === FaultType.InstanceNotRunning
          ? `instance ${instance.uuid} is not running`
          : 'error setting admin password';
      throw new InstanceInvalidState(`Failed to set admin password on ${instance.uuid} because ${reason}`);
    }
    return { status: 202 };
  },
});
