import { DefaultLogger, Runtime } from '@temporalio/worker';

/** The SDK logs worker state changes and every failed activity; the tests fail activities on purpose. */
export function quietSdkLogs(): void {
  try {
    Runtime.install({ logger: new DefaultLogger((process.env['TEMPORAL_LOG_LEVEL'] as 'ERROR') ?? 'ERROR') });
  } catch {
    // Already installed by an earlier test file in this process.
  }
}
