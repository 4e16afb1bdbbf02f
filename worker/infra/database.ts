import { connectDatabase } from '../../activities/conductor/db';
import { migrateDatabase } from '../../activities/conductor/migrate';
import { seedCatalog } from '../../activities/conductor/seed';

/** Brings a database to the current schema and makes sure the default flavors and images exist. */
export async function prepareDatabase(url: string): Promise<void> {
  await migrateDatabase(url);
  const sql = connectDatabase(url, 1);
  try {
    await seedCatalog(sql);
  } finally {
    await sql.end();
  }
}
