import { connectDatabase } from '../../activities/conductor/db';
import { migrateDatabase } from '../../activities/conductor/migrate';
import { seedCatalog } from '../../activities/conductor/seed';
import { seedIdentity } from '../../activities/conductor/seed-identity';
import { loadIdentitySeed } from '../../config';

/**
 * Brings a database to the current schema and makes sure the default flavors and images exist, and the
 * `admin` and `demo` users and projects (passwords from NOVA_ADMIN_PASSWORD / NOVA_DEMO_PASSWORD).
 */
export async function prepareDatabase(url: string): Promise<void> {
  await migrateDatabase(url);
  const sql = connectDatabase(url, 1);
  try {
    await seedCatalog(sql);
    await seedIdentity(sql, loadIdentitySeed());
  } finally {
    await sql.end();
  }
}
