import { connectDatabase, type Sql } from '../../activities/conductor/db';
import { cloneDatabase } from '../support/test-stack';

// The API's pool (worker/api.ts) cancels statements that hang: identical lists wait for the read they share.
let sql: Sql;

beforeAll(async () => {
  sql = connectDatabase(await cloneDatabase(`api_database_${process.pid}`), 1, { statementTimeoutMs: 200 });
});

afterAll(async () => {
  await sql?.end();
});

describe("a pool with a statement timeout (the API's)", () => {
  it('cancels a statement that runs past it, and the connection serves the next one', async () => {
    const began = performance.now();
    await expect(sql`SELECT pg_sleep(5)`).rejects.toMatchObject({ code: '57014' });
    expect(performance.now() - began).toBeLessThan(4000);
    expect(await sql`SELECT 1 AS one`).toEqual([{ one: 1 }]);
  });

  it('is set on every connection it opens', async () => {
    const [row] = await sql`SHOW statement_timeout`;
    expect(row).toEqual({ statement_timeout: '200ms' });
  });
});
