import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { writeWorkflowBundle } from '../../worker/infra/bundle';
import { prepareDatabase } from '../../worker/infra/database';
import { startEmbeddedPostgres } from '../../worker/infra/embedded-postgres';
import { freePort } from '../../worker/infra/ports';
import { startTemporalDevServer } from '../../worker/infra/temporal-server';
import { registerSearchAttributes } from '../../worker/search-attributes';

/** Template database every test file clones: migrated and seeded once per run. */
export const TEMPLATE_DATABASE = 'nova_template';

/**
 * One real PostgreSQL and one real Temporal dev server per test run (or the ones DATABASE_URL and
 * TEMPORAL_ADDRESS name), a migrated template database, and the workflow bundle.
 */
export default async function globalSetup(): Promise<void> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'nova-test-'));
  chmodSync(scratch, 0o755); // PostgreSQL runs as its own user when the tests run as root
  const state: Record<string, unknown> = {};
  if (!process.env['NOVA_TEST_PG_ADMIN_URL']) {
    const pg = await startEmbeddedPostgres({
      dataDir: path.join(scratch, 'postgres'),
      port: await freePort(),
      persistent: false,
    });
    state['postgres'] = pg;
    process.env['NOVA_TEST_PG_ADMIN_URL'] = pg.url('postgres');
  }
  const adminUrl = new URL(process.env['NOVA_TEST_PG_ADMIN_URL']!);
  const templateUrl = new URL(adminUrl);
  templateUrl.pathname = `/${TEMPLATE_DATABASE}`;
  const { default: postgres } = await import('postgres');
  const admin = postgres(adminUrl.toString(), { max: 1, onnotice: () => undefined });
  await admin.unsafe(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
  await admin.unsafe(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();
  await prepareDatabase(templateUrl.toString());

  if (!process.env['TEMPORAL_ADDRESS']) {
    const temporal = await startTemporalDevServer({ port: await freePort() });
    state['temporal'] = temporal;
    process.env['TEMPORAL_ADDRESS'] = temporal.address;
  }
  const connection = await Connection.connect({ address: process.env['TEMPORAL_ADDRESS'] });
  await registerSearchAttributes(connection, 'default');
  await connection.close();

  process.env['NOVA_TEST_WORKFLOW_BUNDLE'] = await writeWorkflowBundle(path.join(scratch, 'workflow-bundle.js'));
  process.env['NOVA_TEST_SCRATCH'] = scratch;
  (globalThis as Record<string, unknown>)['__NOVA_TEST_STATE__'] = state;
}
