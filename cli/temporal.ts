import { Client, Connection } from '@temporalio/client';

export interface TemporalTarget {
  client: Client;
  queuePrefix: string;
  close(): Promise<void>;
}

/** The Temporal client for TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE, as the workers use them. */
export async function connectTemporal(env: NodeJS.ProcessEnv = process.env): Promise<TemporalTarget> {
  const connection = await Connection.connect({ address: env['TEMPORAL_ADDRESS'] ?? '127.0.0.1:7233' });
  const client = new Client({ connection, namespace: env['TEMPORAL_NAMESPACE'] ?? 'default' });
  return { client, queuePrefix: env['NOVA_QUEUE_PREFIX'] ?? '', close: () => connection.close() };
}
