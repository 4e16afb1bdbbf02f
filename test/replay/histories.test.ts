import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { workflowSinks } from '../../worker/interceptors';
import { quietSdkLogs } from '../support/quiet-sdk';

// Recorded histories (test/histories/, from `temporal workflow show --output json`) must replay against the
// current workflow code: a change that reorders or drops commands without patched() fails here, not in prod.
const HISTORIES = path.join(__dirname, '..', 'histories');
const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json'));

beforeAll(quietSdkLogs);

describe('recorded workflow histories', () => {
  it('cover every operation workflow', () => {
    const types = new Set(files.map((f) => f.replace(/^.*-(\w+Workflow)\.json$/, '$1')));
    const operations = [
      'create',
      'delete',
      'reboot',
      'start',
      'stop',
      'resize',
      'pause',
      'unpause',
      'suspend',
      'resume',
      'rescue',
      'unrescue',
      'rebuild',
      'liveMigrate',
      'evacuate',
      'snapshot',
      'backup',
      'shelve',
      'shelveOffload',
      'unshelve',
      'update',
      'lock',
      'unlock',
      'softDelete',
      'restore',
    ].map((op) => `${op}ServerWorkflow`);
    const others = [
      'resetStateWorkflow',
      'changePasswordWorkflow',
      'postServerPasswordWorkflow',
      'clearServerPasswordWorkflow',
    ];
    for (const type of [...operations, ...others]) expect(types).toContain(type);
  });

  it.each(files)('replays %s against the current workflow code', async (file) => {
    const history = JSON.parse(readFileSync(path.join(HISTORIES, file), 'utf8'));
    const bundle = { codePath: process.env['NOVA_TEST_WORKFLOW_BUNDLE']! };
    // The bundle's interceptors (logging ids, tracing spans) call the worker's sinks, as in production.
    await Worker.runReplayHistory({ workflowBundle: bundle, sinks: workflowSinks(undefined) }, history, file);
  });
});
