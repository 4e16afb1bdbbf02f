import { StateRules } from '../../domain/guards';
import { resumeServerWorkflow } from '../../workflows/resume-server';
import { defineAction, startGuarded } from './action';
import { noArgs } from './no-args';

/** resume: SUSPENDED back to ACTIVE; 202 at admission. */
export const resume = defineAction({
  key: 'resume',
  policy: 'os_compute_api:os-suspend-server:resume',
  schema: noArgs,
  async handle(_body, call) {
    await startGuarded(call, {
      rule: StateRules.resume,
      workflow: resumeServerWorkflow,
      input: (base) => base,
      operation: 'resume',
    });
    return { status: 202 };
  },
});
