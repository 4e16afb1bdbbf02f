import { captureLogs, type LogLine } from '../test/support/log-capture';
import { createLogger } from './logger';
import { PinoSdkLogger } from './sdk-logger';

const WORKFLOW_ID = 'p-instance-5b0c5f4e-3f1e-4d55-9d4a-0f3a8f1d2c11';

function sdkLogger(level: string): { sdk: PinoSdkLogger; lines: () => LogLine[] } {
  const out = captureLogs();
  return {
    sdk: new PinoSdkLogger(createLogger('conductor', { destination: out.stream, level }), 'WARN'),
    lines: out.lines,
  };
}

describe('PinoSdkLogger', () => {
  it("writes an activity's lines with one spelling of the ids, its instance, its error, and no task token", () => {
    const { sdk, lines } = sdkLogger('debug');
    sdk.warn('Activity failed', {
      sdkComponent: 'worker',
      workflowId: WORKFLOW_ID,
      workflowRunId: 'run-1',
      activityType: 'spawn',
      taskToken: 'Q2hBNU1qTXpa',
      error: new Error('failed step spawn'),
    });
    expect(lines()).toEqual([
      expect.objectContaining({
        level: 40,
        msg: 'Activity failed',
        workflowId: WORKFLOW_ID,
        runId: 'run-1',
        instanceUuid: '5b0c5f4e-3f1e-4d55-9d4a-0f3a8f1d2c11',
        activityType: 'spawn',
        err: expect.objectContaining({ message: 'failed step spawn', stack: expect.any(String) }),
      }),
    ]);
    expect(JSON.stringify(lines())).not.toContain('Q2hBNU1qTXpa');
  });

  it("follows LOG_LEVEL for an operation's lines and TEMPORAL_LOG_LEVEL for the SDK's internals", () => {
    const { sdk, lines } = sdkLogger('debug');
    sdk.debug('Workflow started', { workflowId: WORKFLOW_ID, runId: 'r' });
    sdk.trace('Completed activation', { workflowId: WORKFLOW_ID, runId: 'r' });
    sdk.info('Worker state changed', { sdkComponent: 'worker' });
    sdk.warn('Poller failed', { sdkComponent: 'core' });
    expect(lines().map((l) => l['msg'])).toEqual(['Workflow started', 'Poller failed']);
  });
});
