import postgres, { type Sql } from 'postgres';

// Caught by the chaos run: PostgreSQL was killed while a conductor transaction was open, postgres.js rejected
// the transaction, the transaction body went on to its next statement, and that write on the closed socket
// threw from a timer: an uncaught TypeError that took the whole conductor worker down (porsager/postgres#1154).
// patches/postgres+3.4.9.patch rejects such a statement with CONNECTION_CLOSED instead.
let sql: Sql;
let admin: Sql;

beforeAll(() => {
  const url = process.env['NOVA_TEST_PG_ADMIN_URL']!;
  sql = postgres(url, { max: 2, onnotice: () => undefined });
  admin = postgres(url, { max: 1, onnotice: () => undefined });
});

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await admin?.end({ timeout: 5 });
});

const codeOf = (e: unknown): unknown => (e as { code?: unknown }).code;

it('rejects the statement a transaction runs after its connection closed, and the pool serves the next ones', async () => {
  let lateStatement: Promise<unknown> = Promise.resolve();
  const transaction = sql.begin(async (tx) => {
    const [row] = await tx<{ pid: number }[]>`select pg_backend_pid() as pid`;
    await admin`select pg_terminate_backend(${row!.pid})`;
    await new Promise((resolve) => setTimeout(resolve, 100)); // the close arrives meanwhile
    lateStatement = tx`select 1`.then(
      () => 'ran',
      (e: unknown) => codeOf(e),
    );
    await lateStatement;
  });
  await expect(transaction).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
  await new Promise((resolve) => setTimeout(resolve, 300));
  await expect(lateStatement).resolves.toBe('CONNECTION_CLOSED');
  const rows = await Promise.all([1, 2, 3, 4].map((n) => sql<{ n: number }[]>`select ${n}::int as n`));
  expect(rows.map(([r]) => r!.n)).toEqual([1, 2, 3, 4]);
}, 15_000);
