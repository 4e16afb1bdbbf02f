interface Rendered {
  version: string;
  json: Buffer;
}

/** One generation: entries by view, then by row. */
type Generation = Map<string, Map<string, Rendered>>;

/**
 * Rows already rendered as JSON bytes, by view (what the JSON depends on besides the row) and row, each kept with
 * the version of the row it was rendered from: a reader asks with the version it has just read, so an answer is
 * never older than the row, and nothing needs invalidating.
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

  /** The JSON rendered for `row` in `view` from exactly `version` of the row, if it is still here. */
  get(view: string, row: string, version: string): Buffer | undefined {
    const young = this.young.get(view)?.get(row);
    if (young) return young.version === version ? young.json : undefined;
    const oldView = this.old.get(view);
    const old = oldView?.get(row);
    if (old?.version !== version) return undefined;
    oldView!.delete(row);
    this.keep(view, row, old);
    return old.json;
  }

  /** Keeps `json` in memory of its own: a slice of Node's shared pool would hold on to the pool's 8 KB. */
  set(view: string, row: string, version: string, json: string): Buffer {
    const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(json));
    bytes.write(json);
    const replaced = this.young.get(view)?.get(row);
    if (replaced) this.youngBytes -= sizeOf(row, replaced);
    this.old.get(view)?.delete(row);
    this.keep(view, row, { version, json: bytes });
    return bytes;
  }

  /** Entries held, in both generations. */
  get size(): number {
    const count = (generation: Generation) => [...generation.values()].reduce((sum, rows) => sum + rows.size, 0);
    return count(this.young) + count(this.old);
  }

  private keep(view: string, row: string, entry: Rendered): void {
    let rows = this.young.get(view);
    if (!rows) this.young.set(view, (rows = new Map()));
    rows.set(row, entry);
    this.youngBytes += sizeOf(row, entry);
    if (this.youngBytes * 2 < this.budgetBytes) return;
    this.old = this.young;
    this.young = new Map();
    this.youngBytes = 0;
  }
}

/** About what an entry costs: V8 keeps ASCII strings at a byte a character. */
function sizeOf(row: string, entry: Rendered): number {
  return row.length + entry.version.length + entry.json.length;
}
