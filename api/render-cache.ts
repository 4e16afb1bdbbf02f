interface Rendered {
  rowVersion: string;
  json: Buffer;
}

/** One generation: entries by variant, then by row id. */
type Generation = Map<string, Map<string, Rendered>>;

/** What an entry costs beyond its strings and bytes: the Map slot, the object, the Buffer and its ArrayBuffer. */
const ENTRY_OVERHEAD_BYTES = 200;

/**
 * Rows already rendered as JSON bytes, by variant (what the JSON depends on besides the row) and row id, each kept
 * with the version of the row it was rendered from: a reader asks with the version it has just read, so an answer
 * is never older than the row, and nothing needs invalidating.
 *
 * Memory is bounded by two generations: entries go into the young one, and when it holds half the budget it
 * becomes the old one and the previous old one is dropped. An entry read from the old generation moves back to
 * the young one, so what pages keep asking for stays and what they stopped asking for goes.
 */
export class RenderCache {
  private young: Generation = new Map();
  private old: Generation = new Map();
  private youngBytes = 0;

  constructor(private readonly budgetBytes: number) {}

  /** The JSON rendered for row `id` in `variant` from exactly `rowVersion` of the row, if it is still here. */
  get(variant: string, id: string, rowVersion: string): Buffer | undefined {
    const young = this.young.get(variant)?.get(id);
    if (young) return young.rowVersion === rowVersion ? young.json : undefined;
    const oldRows = this.old.get(variant);
    const old = oldRows?.get(id);
    if (!oldRows || old?.rowVersion !== rowVersion) return undefined;
    oldRows.delete(id);
    this.keep(variant, id, old);
    return old.json;
  }

  /** Keeps `json` in memory of its own: a slice of Node's shared pool would hold on to the pool's 8 KB. */
  set(variant: string, id: string, rowVersion: string, json: string): Buffer {
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(json));
    bytes.write(json);
    const replaced = this.young.get(variant)?.get(id);
    if (replaced) this.youngBytes -= sizeOf(id, replaced);
    this.old.get(variant)?.delete(id);
    this.keep(variant, id, { rowVersion, json: bytes });
    return bytes;
  }

  /** Entries held, in both generations. */
  get size(): number {
    const count = (generation: Generation) => [...generation.values()].reduce((sum, rows) => sum + rows.size, 0);
    return count(this.young) + count(this.old);
  }

  private keep(variant: string, id: string, entry: Rendered): void {
    let rows = this.young.get(variant);
    if (!rows) this.young.set(variant, (rows = new Map()));
    rows.set(id, entry);
    this.youngBytes += sizeOf(id, entry);
    if (this.youngBytes * 2 < this.budgetBytes) return;
    this.old = this.young;
    this.young = new Map();
    this.youngBytes = 0;
  }
}

/** About what an entry costs: V8 keeps ASCII strings at a byte a character. */
function sizeOf(id: string, entry: Rendered): number {
  return ENTRY_OVERHEAD_BYTES + id.length + entry.rowVersion.length + entry.json.length;
}
