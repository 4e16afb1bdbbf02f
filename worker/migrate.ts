import { createLogger } from './logger';
import { prepareDatabase } from './infra/database';

/** One-shot: migrate the schema and seed the default flavors and images (docker-compose runs it first). */
async function main(): Promise<void> {
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('DATABASE_URL is required');
  await prepareDatabase(url);
  createLogger('migrate').info('database ready');
}

main().catch((err: unknown) => {
  createLogger('migrate').fatal({ err }, 'migration failed');
  process.exit(1);
});
