/**
 * A pure function of a string, remembered for at most `max` keys (the oldest is forgotten first): for values that
 * cost real work and are asked for again and again, like a server list's hostIds or a host's base image disks.
 */
export function boundedMemo<V>(max: number, compute: (key: string) => V): (key: string) => V {
  const known = new Map<string, V>();
  return (key) => {
    const hit = known.get(key);
    if (hit !== undefined) return hit;
    const value = compute(key);
    known.set(key, value);
    if (known.size > max) known.delete(known.keys().next().value!);
    return value;
  };
}
