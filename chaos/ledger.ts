/** How a request ended, from the client's side. 409s are expected under chaos and counted, not failures. */
export type Outcome = 'accepted' | 'conflict' | 'rejected' | 'unavailable';

export interface LedgerEntry {
  op: string;
  serverId: string | undefined;
  status: number;
  outcome: Outcome;
  requestId: string | undefined;
  atMs: number;
}

export function outcomeOf(status: number): Outcome {
  if (status >= 200 && status < 300) return 'accepted';
  if (status === 409) return 'conflict';
  if (status >= 400 && status < 500) return 'rejected';
  return 'unavailable';
}

/** Every request the harness sent, so the audit can follow each accepted one to its end. */
export class Ledger {
  readonly entries: LedgerEntry[] = [];

  constructor(private readonly began: number) {}

  record(op: string, serverId: string | undefined, reply: { status: number; requestId: string | undefined }): Outcome {
    const outcome = outcomeOf(reply.status);
    this.entries.push({
      op,
      serverId,
      status: reply.status,
      outcome,
      requestId: reply.requestId,
      atMs: Date.now() - this.began,
    });
    return outcome;
  }

  accepted(): LedgerEntry[] {
    return this.entries.filter((e) => e.outcome === 'accepted');
  }

  /** Counts by operation and outcome. */
  table(): Map<string, Record<Outcome, number>> {
    const rows = new Map<string, Record<Outcome, number>>();
    for (const e of this.entries) {
      const row = rows.get(e.op) ?? { accepted: 0, conflict: 0, rejected: 0, unavailable: 0 };
      row[e.outcome]++;
      rows.set(e.op, row);
    }
    return new Map([...rows.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }
}
