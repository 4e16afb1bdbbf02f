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
