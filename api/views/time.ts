/** The `.sssZ` every toISOString ends with. */
const MILLIS_SUFFIX = '.000Z'.length;

/** Nova's `utils.isotime`: UTC to the second, `Z` suffix (`2024-01-02T03:04:05Z`). */
export function isoTime(at: Date): string {
  return at.toISOString().slice(0, -MILLIS_SUFFIX) + 'Z';
}

/**
 * oslo's PERFECT_TIME_FORMAT for naive UTC datetimes (`2024-01-02T03:04:05.000000`), which Nova's JSON
 * serializer gives launched_at and terminated_at.
 */
export function perfectTime(at: Date): string {
  return at.toISOString().slice(0, -1) + '000';
}

/** A timestamp stored as text (fault `created`) rendered like isoTime; unparsable text passes through. */
export function isoTimeText(text: string): string {
  const at = new Date(text);
  return Number.isNaN(at.getTime()) ? text : isoTime(at);
}
