/**
 * The run's chart as a small hand-written SVG: latency distributions (ours above the baseline for each operation:
 * a line from min to max, a bar from p50 to p95, a tick at p99) and throughput bars at each concurrency.
 */
import { distribution } from './stats';

export interface ChartSeries {
  label: string;
  ours: number[];
  baseline: number[];
}

export interface ChartBar {
  label: string;
  value: number;
  kind: 'ours' | 'baseline' | 'other';
}

const W = 820;
const LEFT = 190;
const RIGHT = 30;
const ROW = 16;
const COLOURS = { ours: '#2b6cb0', baseline: '#a0aec0', other: '#38a169' } as const;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const text = (x: number, y: number, s: string, extra = '') =>
  `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${extra}>${esc(s)}</text>`;

function ticks(max: number): number[] {
  const rough = max / 5;
  const step = [1, 2, 5].map((m) => m * 10 ** Math.floor(Math.log10(rough))).find((s) => s >= rough) ?? rough;
  return Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => i * step);
}

function axis(top: number, bottom: number, max: number, unit: string): string[] {
  const x = (v: number) => LEFT + (v / max) * (W - LEFT - RIGHT);
  return ticks(max).flatMap((t) => [
    `<line x1="${x(t)}" y1="${top}" x2="${x(t)}" y2="${bottom}" stroke="#e2e8f0"/>`,
    text(x(t), bottom + 14, `${t}${unit}`, 'text-anchor="middle" fill="#4a5568"'),
  ]);
}

function latencyPanel(series: ChartSeries[], top: number): { svg: string[]; height: number } {
  const rows = series.filter((s) => s.ours.length > 0 || s.baseline.length > 0);
  const max = Math.max(1, ...rows.flatMap((s) => [...s.ours, ...s.baseline])) * 1.05;
  const x = (v: number) => LEFT + (v / max) * (W - LEFT - RIGHT);
  const bottom = top + 24 + rows.length * ROW * 2.6;
  const out = [text(10, top + 12, 'Latency, ms (line min–max, bar p50–p95, tick p99)', 'font-weight="bold"')];
  out.push(...axis(top + 20, bottom, max, ''));
  rows.forEach((s, i) => {
    const y0 = top + 24 + i * ROW * 2.6;
    out.push(text(LEFT - 8, y0 + ROW, s.label, 'text-anchor="end"'));
    (['ours', 'baseline'] as const).forEach((kind, k) => {
      const d = distribution(s[kind]);
      if (d.n === 0) return;
      const y = y0 + 4 + k * ROW;
      const c = COLOURS[kind];
      out.push(
        `<line x1="${x(d.min)}" y1="${y + 6}" x2="${x(d.max)}" y2="${y + 6}" stroke="${c}"/>`,
        `<rect x="${x(d.p50)}" y="${y + 1}" width="${Math.max(2, x(d.p95) - x(d.p50))}" height="10" fill="${c}"/>`,
        `<line x1="${x(d.p99)}" y1="${y - 1}" x2="${x(d.p99)}" y2="${y + 13}" stroke="#1a202c" stroke-width="2"/>`,
        text(x(d.max) + 4, y + 10, `${kind} p50 ${d.p50.toFixed(0)}`, 'fill="#4a5568" font-size="10"'),
      );
    });
  });
  return { svg: out, height: bottom - top + 24 };
}

function throughputPanel(bars: ChartBar[], top: number): { svg: string[]; height: number } {
  const max = Math.max(0.1, ...bars.map((b) => b.value)) * 1.1;
  const x = (v: number) => LEFT + (v / max) * (W - LEFT - RIGHT);
  const bottom = top + 24 + bars.length * ROW * 1.3;
  const out = [text(10, top + 12, 'Throughput, create+delete pairs per second', 'font-weight="bold"')];
  out.push(...axis(top + 20, bottom, max, ''));
  bars.forEach((b, i) => {
    const y = top + 24 + i * ROW * 1.3;
    out.push(
      text(LEFT - 8, y + 11, b.label, 'text-anchor="end"'),
      `<rect x="${LEFT}" y="${y + 2}" width="${Math.max(1, x(b.value) - LEFT)}" height="12" fill="${COLOURS[b.kind]}"/>`,
      text(x(b.value) + 4, y + 12, b.value.toFixed(2), 'fill="#4a5568" font-size="10"'),
    );
  });
  return { svg: out, height: bottom - top + 24 };
}

/** The whole chart: latency panel above throughput panel, with a legend. */
export function benchChart(title: string, series: ChartSeries[], bars: ChartBar[]): string {
  const lat = latencyPanel(series, 40);
  const tp = throughputPanel(bars, 40 + lat.height);
  const height = 40 + lat.height + tp.height;
  const legend = (['ours', 'baseline', 'other'] as const).map((k, i) => {
    const name = k === 'other' ? 'ours, 2 conductors' : k === 'baseline' ? 'raw Temporal baseline' : 'ours';
    return `<rect x="${LEFT + i * 170}" y="22" width="10" height="10" fill="${COLOURS[k]}"/>${text(LEFT + 14 + i * 170, 31, name)}`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${height}" viewBox="0 0 ${W} ${height}" ` +
      'font-family="sans-serif" font-size="11">',
    `<rect width="${W}" height="${height}" fill="white"/>`,
    text(10, 16, title, 'font-weight="bold" font-size="13"'),
    ...legend,
    ...lat.svg,
    ...tp.svg,
    '</svg>',
    '',
  ].join('\n');
}
