import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (ms) spent so far by this process and by the servers it started, by component. */
export interface CpuSnapshot {
  /** This process: API, conductor and compute workers (all threads, the SDK's Rust core included), the load. */
  node: number;
  /** The Temporal dev server, when this process started it. */
  temporal: number;
  /** Every PostgreSQL process this process started (postmaster and backends). */
  postgres: number;
}

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  cpuMs: number;
}

function readStat(pid: string): ProcStat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm is in parentheses and may contain spaces: split after the last ')'.
    const close = text.lastIndexOf(')');
    const comm = text.slice(text.indexOf('(') + 1, close);
    const fields = text.slice(close + 2).split(' ');
    // fields[0] is state (field 3); utime and stime are fields 14 and 15.
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return { pid: Number(pid), ppid: Number(fields[1]), comm, cpuMs: ((utime + stime) * 1000) / TICKS_PER_SECOND };
  } catch {
    return undefined;
  }
}

/** Sums CPU over this process's descendants by name; undefined where /proc is not available. */
export function cpuSnapshot(): CpuSnapshot | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  } catch {
    return undefined;
  }
  const stats = entries.map(readStat).filter((s): s is ProcStat => s !== undefined);
  const children = new Map<number, ProcStat[]>();
  for (const s of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const usage = process.cpuUsage();
  const snapshot: CpuSnapshot = { node: (usage.user + usage.system) / 1000, temporal: 0, postgres: 0 };
  const visit = (pid: number, component: keyof CpuSnapshot | undefined) => {
    for (const child of children.get(pid) ?? []) {
      const name = child.comm.toLowerCase();
      const c =
        component ?? (name.startsWith('temporal') ? 'temporal' : name.startsWith('postgres') ? 'postgres' : undefined);
      if (c) snapshot[c] += child.cpuMs;
      visit(child.pid, c);
    }
  };
  visit(process.pid, undefined);
  return snapshot;
}

export function cpuSince(before: CpuSnapshot | undefined): CpuSnapshot | undefined {
  const after = cpuSnapshot();
  if (!before || !after) return undefined;
  return {
    node: after.node - before.node,
    temporal: after.temporal - before.temporal,
    postgres: after.postgres - before.postgres,
  };
}
