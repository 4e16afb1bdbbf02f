import { connectDatabase } from '../../activities/conductor/db';
import { migrateDatabase } from '../../activities/conductor/migrate';
import { seedCatalog } from '../../activities/conductor/seed';
import { seedIdentity } from '../../activities/conductor/seed-identity';
import { claimImageStore } from '../../activities/conductor/image-sweep';
import { loadIdentitySeed } from '../../config';
import { LocalImageStore } from '../../storage/image-store';

/**
 * Brings a database to the current schema and makes sure the default flavors and images exist, and the
 * `admin` and `demo` users and projects (passwords from NOVA_ADMIN_PASSWORD / NOVA_DEMO_PASSWORD). Given the
 * deployment's image store, claims it for this database unless a database has.
 */
export async function prepareDatabase(url: string, imageDir?: string): Promise<void> {
  await migrateDatabase(url);
  const sql = connectDatabase(url, 1);
  try {
    await seedCatalog(sql);
    await seedIdentity(sql, loadIdentitySeed());
    if (imageDir !== undefined) await claimImageStore(sql, new LocalImageStore(imageDir));
  } finally {
    await sql.end();
  }
}
