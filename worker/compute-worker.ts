import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { type NativeConnection, Worker } from '@temporalio/worker';
import type { ComputeConfig, OperationSettings } from '../config';
import { createComputeActivities } from '../activities/compute';
import { listTransfers } from '../activities/compute/disk-transfer';
import { FakeHypervisor } from '../activities/compute/fake-hypervisor';
import { LocalImageStore } from '../storage/image-store';
import type { HostReport } from '../activities/conductor';
import { computeQueue } from '../domain/naming';
import { activityInterceptors } from './interceptors';
import type { Tracing } from './tracing';
import { hostHeartbeatWorkflow, hostReportSignal, hostWorkflowStart } from '../workflows/host-heartbeat';

export function hostDataDir(dataDir: string, host: string): string {
  return path.join(dataDir, 'hosts', host);
}

/** A simulated compute host: a worker on the host's own queue, driving a fake hypervisor. */
export async function createComputeWorker(
  connection: NativeConnection,
  config: ComputeConfig,
  tracing?: Tracing,
): Promise<Worker> {
  const images = new LocalImageStore(config.imageDir);
  const hypervisor = new FakeHypervisor(config.host, hostDataDir(config.dataDir, config.host), images);
  return Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: computeQueue(config.temporal.queuePrefix, config.host),
    activities: createComputeActivities({
      hypervisor,
      transferDir: config.transferDir,
      images,
      localDiskGb: config.capacity.diskGb,
      guestSecret: config.metadataProxy?.secret,
    }),
    interceptors: { activity: activityInterceptors(tracing) },
    maxConcurrentActivityTaskExecutions: 8,
    shutdownGraceTime: '5s',
  });
}

/**
 * Reports the host's capacity and liveness to the conductor through the host's workflow, every interval,
 * until `signal` aborts. Failures are logged and retried on the next tick: the host must keep serving.
 */
export async function reportHostForever(
  client: Client,
  config: ComputeConfig,
  settings: OperationSettings,
  signal: AbortSignal,
  onError: (err: unknown) => void,
): Promise<void> {
  const hypervisor = new FakeHypervisor(
    config.host,
    hostDataDir(config.dataDir, config.host),
    new LocalImageStore(config.imageDir),
  );
  const startedAt = new Date().toISOString();
  while (!signal.aborted) {
    try {
      const guests = await hypervisor.listGuests();
      const report: HostReport = {
        host: config.host,
        vcpus: config.capacity.vcpus,
        memoryMb: config.capacity.memoryMb,
        diskGb: config.capacity.diskGb,
        runningVms: guests.length,
        startedAt,
        // The conductor compares them with the evacuations away from this host: stale copies get destroyed.
        guests: guests.map((g) => g.uuid),
        // The conductor names those of settled migrations: a rollback that could not reach its source left them.
        transfers: await listTransfers(config.transferDir),
      };
      await client.workflow.signalWithStart(hostHeartbeatWorkflow, {
        ...hostWorkflowStart(settings, config.host),
        signal: hostReportSignal,
        signalArgs: [report],
      });
    } catch (err) {
      onError(err);
    }
    await sleep(config.reportIntervalMs, undefined, { signal }).catch(() => undefined);
  }
}
