import { computePromptlyOn } from './activities';
import type { ConsoleOutputInput } from './inputs';

// Nova reads a console with a call to the instance's compute host: a read beside whatever operation holds the
// server, so it runs under a server task's ID, and the host answers from the console log it keeps per guest.

export async function consoleOutputWorkflow(input: ConsoleOutputInput): Promise<string> {
  const { instanceUuid, host, length, settings } = input;
  return computePromptlyOn(settings, host).consoleOutput({ instanceUuid, length });
}
