import path from 'node:path';
import { FaultSwitchFile, HypervisorStep, type FaultSwitch } from '../../activities/compute/fault-switches';
import { HOST_NAME_PATTERN } from '../../domain/naming';

/** The fault switches of a host whose data lives under `dataDir` (as `npm start` lays it out). */
export function hostFaults(dataDir: string, host: string): FaultSwitchFile {
  if (!HOST_NAME_PATTERN.test(host)) throw new Error(`not a host name: ${host}`);
  return FaultSwitchFile.forHostDir(path.join(dataDir, 'hosts', host));
}

export function parseStep(step: string): HypervisorStep {
  const steps = Object.values(HypervisorStep) as string[];
  if (!steps.includes(step)) throw new Error(`unknown step ${step}; steps: ${steps.join(', ')}`);
  return step as HypervisorStep;
}

export function parseMode(mode: string): FaultSwitch['mode'] {
  const modes = ['fail', 'abort', 'hang', 'slow'];
  if (!modes.includes(mode)) throw new Error(`unknown mode ${mode}; modes: ${modes.join(', ')}`);
  return mode as FaultSwitch['mode'];
}
