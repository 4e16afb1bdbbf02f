import { z } from 'zod';
import { StateRules } from '../../domain/guards';
import { VmState } from '../../domain/states';
import { unshelveServerWorkflow } from '../../workflows/unshelve-server';
import { shelvedDecisionUpdate } from '../../workflows/shelve/messages';
import { BadRequest, InstanceInvalidState } from '../errors';
import { atLeast, type ApiVersion } from '../microversion';
import { authorize } from '../policy/enforce';
import { availableZoneNames } from '../queries/availability-zones';
import { hostZone } from '../queries/hosts';
import { nameParameter } from '../schemas/create-server';
import { defineAction, guardState, handOverOrStart, requesterOf, type ActionCall } from './action';

/** From 2.91: null, or an object with a zone (null unpins) and/or a host (admin). */
const unshelveBody = z
  .strictObject({ availability_zone: z.string().nullable().optional(), host: z.string().optional() })
  .nullable();
export type UnshelveBody = z.infer<typeof unshelveBody>;

/** 2.77–2.90: null or `{"availability_zone": "<zone>"}`; `{}` is refused. */
const unshelveBody277 = z.strictObject({ availability_zone: nameParameter }).nullable();

/** Before 2.77 Nova takes any value and ignores it. */
const unshelveBodyBefore277 = z.unknown().transform((): UnshelveBody => null);

function schemaAt(version: ApiVersion): z.ZodType<UnshelveBody> {
  if (atLeast(version, '2.91')) return unshelveBody;
  return atLeast(version, '2.77') ? unshelveBody277 : unshelveBodyBefore277;
}

/** Nova's checks of a zone and host, in Nova's order: only for offloaded servers, a known zone, a host in it. */
async function checkPlacement(call: ActionCall, zoneGiven: boolean, zone: string | null, host: string | null) {
  const { instance } = call;
  if ((zoneGiven || host) && instance.vm_state !== VmState.ShelvedOffloaded) {
    throw new InstanceInvalidState(
      `Specifying an availability zone or a host when unshelving server "${instance.uuid}" with status ` +
        `"${instance.vm_state}" is not supported. The server status must be SHELVED_OFFLOADED.`,
    );
  }
  if (zoneGiven && zone && !(await availableZoneNames(call.sql)).includes(zone)) {
    throw new BadRequest('The requested availability zone is not available');
  }
  if (!host) return;
  authorize(call.ctx, 'os_compute_api:os-shelve:unshelve_to_host');
  const hostsZone = await hostZone(call.sql, host);
  if (hostsZone === null) throw new BadRequest(`Compute host ${host} could not be found.`);
  const expected = zoneGiven ? zone : instance.availability_zone;
  if (expected && hostsZone !== expected) {
    throw new InstanceInvalidState(`Host "${host}" is not in the availability zone "${expected}".`);
  }
}

/**
 * unshelve: 202. A SHELVED server starts where it is; a SHELVED_OFFLOADED one is scheduled (to the zone or host
 * given from 2.77 / 2.91) and spawned from its shelve image. The shelve image goes once the server runs.
 */
export const unshelve = defineAction({
  key: 'unshelve',
  policy: 'os_compute_api:os-shelve:unshelve',
  schema: unshelveBody,
  schemaAt,
  async handle(body, call) {
    guardState(StateRules.unshelve, call);
    const zoneGiven = body !== null && 'availability_zone' in body && body.availability_zone !== undefined;
    const zone = body?.availability_zone ?? null;
    // Nova treats an empty host as none (`if host:`).
    const host = body?.host || null;
    await checkPlacement(call, zoneGiven, zone, host);
    // A shelve still waiting to offload the server holds its workflow ID: that run admits and unshelves it.
    const decision = { requester: requesterOf(call.ctx), next: 'unshelve' } as const;
    await handOverOrStart(call, shelvedDecisionUpdate, decision, {
      rule: StateRules.unshelve,
      workflow: unshelveServerWorkflow,
      input: (base) => ({ ...base, ...(zoneGiven ? { availabilityZone: zone } : {}), targetHost: host }),
      operation: 'unshelve',
    });
    return { status: 202 };
  },
});
