import { log } from '@temporalio/workflow';
import type { OperationSettings } from '../../config';
import { PowerState } from '../../domain/states';
import { computeOn } from '../activities';

/**
 * A shelve that fails after powering the guest off brings it back as it was (Nova leaves it off until its power
 * sync notices): running, or running and then paused or suspended again. Returns the power state the hypervisor
 * reports, or undefined when the guest was off anyway or the host did not answer.
 */
export async function restorePower(
  settings: OperationSettings,
  instanceUuid: string,
  host: string,
  powerState: number,
): Promise<number | undefined> {
  const compute = computeOn(settings, host);
  const summary = (what: string) => ({ summary: `${what} again after a failed shelve` });
  try {
    if (![PowerState.Running, PowerState.Paused, PowerState.Suspended].some((s) => s === powerState)) return undefined;
    const on = await compute.powerOn.executeWithOptions(summary('power on'), [instanceUuid]);
    if (powerState === PowerState.Paused) {
      return (await compute.pause.executeWithOptions(summary('pause'), [instanceUuid])).powerState;
    }
    if (powerState === PowerState.Suspended) {
      return (await compute.suspend.executeWithOptions(summary('suspend'), [instanceUuid])).powerState;
    }
    return on.powerState;
  } catch (err) {
    log.warn('could not restore the guest after a failed shelve', { host, error: String(err) });
    return undefined;
  }
}
