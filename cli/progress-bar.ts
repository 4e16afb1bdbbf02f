/** `[#######-------------]  35%`, or a bar of dots when the percentage is unknown. */
export function progressBar(percent: number | undefined, width = 20): string {
  if (percent === undefined) return `[${'.'.repeat(width)}]     `;
  const clamped = Math.max(0, Math.min(100, Math.round(percent)));
  const filled = Math.round((clamped / 100) * width);
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(clamped).padStart(3)}%`;
}

/** `75s` → `1m15s`. */
export function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
