/**
 * Nova's servicegroup `service_is_up`: a compute reported within service_down_time and no operator forced it
 * down. The scheduler's ComputeFilter and the conductor's evacuate check share it; the API's read queries say
 * the same in SQL (api/queries/hosts.ts).
 */
export function isServiceUp(
  host: { forced_down: boolean; last_seen_at: Date | string },
  now: Date,
  serviceDownTimeMs: number,
): boolean {
  // Rows arrive as Date from postgres; the Date() copy also accepts an ISO string from a JSON round trip.
  const seen = host.last_seen_at;
  const silentMs = now.getTime() - (seen instanceof Date ? seen.getTime() : Date.parse(seen));
  return !host.forced_down && silentMs <= serviceDownTimeMs;
}
