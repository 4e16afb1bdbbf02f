import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Logger } from 'pino';
import { PinoSdkLogger } from '../../worker/sdk-logger';

/** The SDK logs worker state changes and every failed activity; the tests fail activities on purpose. */
export function quietSdkLogs(): void {
  try {
    Runtime.install({ logger: new DefaultLogger((process.env['TEMPORAL_LOG_LEVEL'] as 'ERROR') ?? 'ERROR') });
  } catch {
    // Already installed by an earlier test file in this process.
  }
}

/**
 * The SDK's lines (workflow and activity logs, activity lifecycle) through `log`, as a worker process sends
 * them (worker/runtime.ts). It must be the first Runtime of the test file: a later one would not be used.
 */
export function installSdkLogger(log: Logger): void {
  Runtime.install({ logger: new PinoSdkLogger(log.child({ component: 'worker' })) });
}
