import { z } from 'zod';
import { StateRules } from '../../domain/guards';
import { TaskState } from '../../domain/states';
import { evacuateServerWorkflow } from '../../workflows/evacuate-server';
import { generateAdminPassword } from '../admin-password';
import { BadRequest, InstanceInvalidState, ItemNotFound } from '../errors';
import { atLeast, type ApiVersion } from '../microversion';
import { hostExists, hostIsUp } from '../queries/hosts';
import { booleanBody, hostnamePattern } from '../schemas/parameter-types';
import { defineAction, guardState, startInterrupting, type ActionCall } from './action';

/** Every field any microversion allows; each version's schema below takes its own subset. */
export interface EvacuateBody {
  host?: string | undefined;
  adminPass?: string | undefined;
  onSharedStorage?: boolean | undefined;
  force?: boolean | undefined;
}

const common = { host: hostnamePattern.optional(), adminPass: z.string().optional() };
// Nova's evacuate (2.1), evacuate_v214, evacuate_v229 and evacuate_v268 (= v214, also for 2.95) schemas.
const body21 = z
  .strictObject({ ...common, onSharedStorage: booleanBody.optional() })
  .refine((body) => body.onSharedStorage !== undefined, { message: "'onSharedStorage' is a required property" });
const body214 = z.strictObject(common);
const body229 = z.strictObject({ ...common, force: booleanBody.optional() });

function evacuateSchema(version: ApiVersion): z.ZodType<EvacuateBody> {
  if (!atLeast(version, '2.14')) return body21;
  if (atLeast(version, '2.29') && !atLeast(version, '2.68')) return body229;
  return body214;
}

/** Task states whose operation evacuate must not interrupt: a delete, or another evacuation. */
const NOT_INTERRUPTED: readonly (string | null)[] = [
  TaskState.Deleting,
  TaskState.Rebuilding,
  TaskState.RebuildBlockDeviceMapping,
  TaskState.RebuildSpawning,
];

/**
 * The API's checks in Nova's order: policy, force without a host, the password rule before 2.14, the named host
 * (404, then the same host 400), the state rule, then the instance's host must be down (400).
 */
async function checkEvacuate(body: EvacuateBody, call: ActionCall): Promise<string | null> {
  const { instance, version } = call;
  const host = body.host ?? null;
  if (atLeast(version, '2.29') && body.force === true && host === null) {
    throw new BadRequest("Can't force to a non-provided destination");
  }
  if (!atLeast(version, '2.14') && body.onSharedStorage && body.adminPass !== undefined) {
    throw new BadRequest("admin password can't be changed on existing disk");
  }
  if (host !== null && !(await hostExists(call.sql, host))) throw new ItemNotFound(`Compute host ${host} not found.`);
  if (instance.host === host) throw new BadRequest("The target host can't be the same one.");
  guardState(StateRules.evacuate, call);
  if (await hostIsUp(call.sql, instance.host!, call.serviceDownTimeMs)) {
    throw new BadRequest(`Compute service of ${instance.host} is still in use.`);
  }
  if (NOT_INTERRUPTED.includes(instance.task_state)) {
    throw new InstanceInvalidState(
      `Cannot 'evacuate' instance ${instance.uuid} while it is in task_state ${instance.task_state}`,
    );
  }
  return host;
}

/**
 * evacuate (admin): rebuild the server on another host because its own is down. 200 with the admin password
 * before 2.14, an empty 200 after. Any other operation still running on the instance is stuck on the dead
 * host: it is cancelled first and rolls back (as delete does), then the evacuation starts.
 */
export const evacuate = defineAction<z.ZodType<EvacuateBody>>({
  key: 'evacuate',
  policy: 'os_compute_api:os-evacuate',
  schema: body214,
  schemaAt: evacuateSchema,
  async handle(body, call) {
    const { version } = call;
    const host = await checkEvacuate(body, call);
    const onSharedStorage = atLeast(version, '2.14') ? null : body.onSharedStorage === true;
    // Before 2.29 a named host bypasses the scheduler; 2.29–2.67 only with force; later it never does.
    const force = host !== null && (!atLeast(version, '2.29') || (!atLeast(version, '2.68') && body.force === true));
    await startInterrupting(call, {
      rule: StateRules.evacuate,
      workflow: evacuateServerWorkflow,
      input: (base) => ({
        ...base,
        targetHost: host,
        force,
        onSharedStorage,
        stopAtDestination: atLeast(version, '2.95'),
      }),
      operation: 'evacuate',
      taskState: TaskState.Rebuilding,
      target: host === null ? undefined : `to ${host}`,
    });
    if (atLeast(version, '2.14')) return { status: 200 };
    // The password is only returned (never stored or passed on): Nova's fake driver sets none either.
    const adminPass = body.adminPass ?? (onSharedStorage ? null : generateAdminPassword());
    return { status: 200, body: { adminPass } };
  },
});
