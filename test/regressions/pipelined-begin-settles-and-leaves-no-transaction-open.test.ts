import postgres, { type Sql } from 'postgres';

// Found in review of the pipelined BEGIN (patches/postgres+3.4.9.patch): a statement whose parameters cannot be
// serialized (undefined) went out behind BEGIN, and postgres.js rejected BEGIN in its place; the statement then
// waited for an answer that never came, the transaction never settled, and its connection stayed idle in a
// transaction for good. The statement now fails alone and the transaction rolls back.
let sql: Sql;

beforeAll(() => {
  sql = postgres(process.env['NOVA_TEST_PG_ADMIN_URL']!, { max: 1, onnotice: () => undefined });
});

afterAll(async () => {
  await sql?.end({ timeout: 5 });
});

it('rejects a transaction whose statement cannot be sent, and its connection serves the next queries', async () => {
  await expect(sql.begin((tx) => tx`select ${undefined as unknown as number}::int`)).rejects.toMatchObject({
    code: 'UNDEFINED_VALUE',
  });
  await expect(
    sql.begin(async (tx) => {
      await Promise.all([tx`select 1`, tx`select ${undefined as unknown as number}::int`]);
    }),
  ).rejects.toMatchObject({ code: 'UNDEFINED_VALUE' });
  // The one connection is back, outside any transaction: a savepoint is refused outside a transaction block.
  await expect(sql`savepoint probe`).rejects.toMatchObject({ code: '25P01' });
}, 15_000);

it('runs a transaction whose BEGIN queues behind a full pipeline, and leaves no transaction open', async () => {
  // Found in the same review: with the pipeline full, postgres.js never told the transaction which connection
  // its BEGIN went to; the body failed with a TypeError and the connection went back to the pool inside the
  // open transaction, where every later query would have run uncommitted.
  // max_pipeline is an option of postgres.js that its types do not list.
  const pipelineOfOne = { max_pipeline: 1 };
  const narrow = postgres(process.env['NOVA_TEST_PG_ADMIN_URL']!, {
    max: 1,
    onnotice: () => undefined,
    ...pipelineOfOne,
  });
  try {
    await narrow`select 1`; // the connection is open, so the next query makes it busy
    const busy = narrow`select pg_sleep(0.05)`.execute();
    const transaction = narrow.begin(async (tx) => (await tx<{ n: number }[]>`select 1::int as n`)[0]!.n);
    await busy;
    await expect(transaction).resolves.toBe(1);
    await expect(narrow`savepoint probe`).rejects.toMatchObject({ code: '25P01' });
  } finally {
    await narrow.end({ timeout: 5 });
  }
}, 15_000);
