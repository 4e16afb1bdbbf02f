import { RenderCache } from './render-cache';

const text = (buffer: Buffer | undefined) => buffer?.toString();

describe('RenderCache', () => {
  it('answers only for the version of the row the JSON was rendered from', () => {
    const cache = new RenderCache(1_000_000);
    cache.set('detail', 'row-1', 'v1', '{"status":"ACTIVE"}');
    expect(text(cache.get('detail', 'row-1', 'v1'))).toBe('{"status":"ACTIVE"}');
    expect(cache.get('detail', 'row-1', 'v2')).toBeUndefined();
    cache.set('detail', 'row-1', 'v2', '{"status":"SHUTOFF"}');
    expect(text(cache.get('detail', 'row-1', 'v2'))).toBe('{"status":"SHUTOFF"}');
    expect(cache.get('detail', 'row-1', 'v1')).toBeUndefined();
    expect(cache.size).toBe(1);
  });

  it('keeps the views of one row apart', () => {
    const cache = new RenderCache(1_000_000);
    cache.set('admin', 'row-1', 'v1', '{"host":"host-a"}');
    expect(cache.get('user', 'row-1', 'v1')).toBeUndefined();
    cache.set('user', 'row-1', 'v1', '{}');
    expect(text(cache.get('admin', 'row-1', 'v1'))).toBe('{"host":"host-a"}');
    expect(text(cache.get('user', 'row-1', 'v1'))).toBe('{}');
  });

  it('holds no more than its budget (and two entries), however many rows pass through it', () => {
    const json = 'x'.repeat(95);
    // An entry costs its 95 bytes, its 7-byte id, its 1-byte version and the 200 bytes of its objects.
    const entryBytes = 303;
    const cache = new RenderCache(10_000);
    for (let i = 0; i < 1_000; i++) cache.set('detail', `row-${String(i).padStart(3, '0')}`, 'v', json);
    expect(cache.size * entryBytes).toBeLessThanOrEqual(10_000 + 2 * entryBytes);
    expect(cache.size * entryBytes).toBeGreaterThanOrEqual(10_000 / 2);
    expect(text(cache.get('detail', 'row-999', 'v'))).toBe(json);
    expect(cache.get('detail', 'row-000', 'v')).toBeUndefined();
  });

  it('counts a row set again once, so rewriting one row never pushes the others out', () => {
    const cache = new RenderCache(10_000);
    cache.set('detail', 'other', 'v', '{}');
    for (let i = 0; i < 1_000; i++) cache.set('detail', 'busy', `v${i}`, 'x'.repeat(95));
    expect(text(cache.get('detail', 'other', 'v'))).toBe('{}');
    expect(cache.size).toBe(2);
  });

  it('keeps one entry per row when a new version is set after the old one went to the old generation', () => {
    const cache = new RenderCache(1_000);
    cache.set('detail', 'row-1', 'v1', '{"status":"ACTIVE"}');
    cache.set('detail', 'filler', 'v', 'x'.repeat(600)); // past half the budget: row-1 is now old
    cache.set('detail', 'row-1', 'v2', '{"status":"SHUTOFF"}');
    expect(cache.get('detail', 'row-1', 'v1')).toBeUndefined();
    expect(text(cache.get('detail', 'row-1', 'v2'))).toBe('{"status":"SHUTOFF"}');
    expect(cache.size).toBe(2);
  });

  it('keeps what is read again and lets go of what is not', () => {
    const cache = new RenderCache(2_000);
    cache.set('detail', 'kept', 'v', '{}');
    for (let i = 0; i < 100; i++) {
      cache.set('detail', `passing-${i}`, 'v', 'x'.repeat(90));
      expect(text(cache.get('detail', 'kept', 'v'))).toBe('{}');
    }
    expect(cache.get('detail', 'passing-0', 'v')).toBeUndefined();
  });

  it('keeps each JSON in memory of its own, not in a slice of the shared pool', () => {
    const json = new RenderCache(1_000_000).set('detail', 'row-1', 'v1', '{"name":"é"}');
    expect(json.toString()).toBe('{"name":"é"}');
    expect(json.buffer.byteLength).toBe(json.length);
  });
});
