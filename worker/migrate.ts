import { imageDirOf } from '../config';
import { createLogger } from './logger';
import { prepareDatabase } from './infra/database';

/**
 * One-shot: migrate the schema, seed the default flavors and images, and claim the image store for this database
 * unless one has (docker-compose runs it first).
 */
async function main(): Promise<void> {
  const url = process.env['DATABASE_URL'];
  if (!url) throw new Error('DATABASE_URL is required');
  await prepareDatabase(url, imageDirOf());
  createLogger('migrate').info('database ready');
}

main().catch((err: unknown) => {
  createLogger('migrate').fatal({ err }, 'migration failed');
  process.exit(1);
});
