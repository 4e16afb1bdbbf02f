import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { expectedDiskChecksum } from '../../activities/compute/disk-image';
import { HypervisorStep } from '../../activities/compute/fault-switches';
import { freePort, waitFor } from '../../worker/infra/ports';
import { startTemporalDevServer, type DevServer } from '../../worker/infra/temporal-server';
import { registerSearchAttributes } from '../../worker/search-attributes';
import { ApiClient, CIRROS } from '../support/http';
import { DST, SRC, VICTIMS, migrationsOf, startMoveProcesses, waitForStepRunning } from '../support/move-crash';
import { expectAuditClean } from '../support/audit';
import type { TestProcesses } from '../support/processes';
import { startTestStack, type TestStack } from '../support/test-stack';

// The Temporal server itself killed -9 mid-operation: this file runs its own dev server on an SQLite file
// (the run's shared one is in memory) and starts it again on the same file and port. The conductor and host
// processes are left alone: they must reconnect by themselves and the operation must carry on.
let scratch: string;
let port: number;
let temporalServer: DevServer;
let stack: TestStack;
let api: ApiClient;
let procs: TestProcesses;

const startTemporal = () => startTemporalDevServer({ port, dbFile: path.join(scratch, 'temporal.db') });

beforeAll(async () => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'nova-temporal-restart-'));
  port = await freePort();
  temporalServer = await startTemporal();
  stack = await startTestStack({ hosts: [], inProcessConductor: false, temporalAddress: temporalServer.address });
  const connection = await Connection.connect({ address: temporalServer.address });
  await registerSearchAttributes(connection, 'default');
  await connection.close();
  api = new ApiClient(stack.baseUrl);
  procs = await startMoveProcesses(stack);
}, 120_000);

afterAll(async () => {
  await procs?.stopAll();
  await stack?.stop();
  await temporalServer?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function killTemporal(): Promise<void> {
  const child = temporalServer.process;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

it('finishes a cold migration hung at a step when the Temporal server is killed -9 and restarted', async () => {
  const id = await api.createServer({ name: 'temporal-restart' });
  expect((await api.waitForStatus(id, 'ACTIVE'))['OS-EXT-SRV-ATTR:host']).toBe(SRC);
  await stack.hypervisor(SRC).faults.set(HypervisorStep.MigrateDisk, { mode: 'hang' });
  expect((await api.action(id, { migrate: null })).status).toBe(202);
  await waitForStepRunning(stack, id, 'migrateDiskAndPowerOff');
  const pids = VICTIMS.map((name) => procs.pid(name));

  await killTemporal();
  // Reads come from PostgreSQL: the server is still shown mid-migration while Temporal is down.
  const during = await api.get(`/v2.1/servers/${id}`);
  expect(during.status).toBe(200);
  expect(during.body.server['OS-EXT-STS:task_state']).toBe('resize_migrating');
  temporalServer = await startTemporal();
  await stack.hypervisor(SRC).faults.clear();

  const server = await api.waitForStatus(id, 'VERIFY_RESIZE', 90_000);
  expect(server['OS-EXT-SRV-ATTR:host']).toBe(DST);
  expect(await stack.hypervisor(DST).diskChecksum(id)).toBe(expectedDiskChecksum(CIRROS));
  expect((await api.action(id, { confirmResize: null })).status).toBe(204);
  expect((await api.waitForStatus(id, 'ACTIVE', 30_000))['OS-EXT-SRV-ATTR:host']).toBe(DST);
  await waitFor('the source guest to go', async () => (await stack.hypervisor(SRC).getGuest(id)) === undefined);
  expect((await migrationsOf(api, id))[0]?.status).toBe('confirmed');
  await expectAuditClean(api);
  // Nobody restarted a worker: the same processes reconnected and did the work.
  expect(VICTIMS.map((name) => procs.pid(name))).toEqual(pids);
  expect(VICTIMS.filter((name) => !procs.alive(name))).toEqual([]);
}, 180_000);
