import { limited, UploadTooLarge } from './image-data';

async function* chunks(...sizes: number[]): AsyncIterable<Uint8Array> {
  for (const size of sizes) yield Buffer.alloc(size);
}

async function drain(source: AsyncIterable<Uint8Array>): Promise<number> {
  let total = 0;
  for await (const chunk of source) total += chunk.byteLength;
  return total;
}

describe('limited', () => {
  it('passes uploads up to the cap through', async () => {
    expect(await drain(limited(chunks(4, 4, 2), 10))).toBe(10);
  });

  it('fails on the chunk that passes the cap, before handing it on', async () => {
    const seen: number[] = [];
    const source = limited(chunks(6, 6), 10);
    await expect(
      (async () => {
        for await (const chunk of source) seen.push(chunk.byteLength);
      })(),
    ).rejects.toBeInstanceOf(UploadTooLarge);
    expect(seen).toEqual([6]);
  });
});
