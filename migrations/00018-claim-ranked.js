// A claim down the scheduler's whole ranked list in one statement: `SELECT claim_ranked(...)` inserts the
// allocation on the first candidate that still has room and is still enabled and up, so a burst of concurrent
// claims that fills the top-ranked hosts moves on to the next ones instead of failing NoValidHost (Nova's
// scheduler claims down its whole weighed list). The scheduler ranked from a possibly stale view: every check
// that matters (room, enabled, up) is made again here, under the host's row lock.
//
// Locks: a candidate is first looked at without a lock (a full host costs no lock); one that looks right is locked
// and checked again inside a subtransaction, which is rolled back (releasing the lock) when the host turned out
// full. A claim therefore holds at most one host lock and never waits while holding one: no deadlock with other
// claims in any order, nor with claim_first_fit (which locks its few candidates in name order).
exports.up = async (sql) => {
  await sql.unsafe(`
    CREATE FUNCTION host_takes(host_name text, want_vcpus integer, want_memory_mb integer, want_disk_gb integer,
                               down_after interval) RETURNS boolean
    LANGUAGE sql STABLE AS $$
      SELECT COALESCE((
        SELECT want_vcpus <= floor(h.vcpus * h.cpu_allocation_ratio) - used.vcpus
           AND want_memory_mb <= floor((h.memory_mb - h.reserved_memory_mb) * h.ram_allocation_ratio) - used.memory_mb
           AND want_disk_gb <= floor(h.disk_gb * h.disk_allocation_ratio) - used.disk_gb
           AND want_vcpus <= h.vcpus AND want_memory_mb <= h.memory_mb AND want_disk_gb <= h.disk_gb
        FROM hosts h
        CROSS JOIN LATERAL (
          SELECT COALESCE(SUM(a.vcpus), 0) AS vcpus, COALESCE(SUM(a.memory_mb), 0) AS memory_mb,
                 COALESCE(SUM(a.disk_gb), 0) AS disk_gb
          FROM allocations a WHERE a.host = h.name) used
        WHERE h.name = host_name AND NOT h.disabled AND NOT h.forced_down
          AND h.last_seen_at >= now() - down_after), false)
    $$`);
  await sql.unsafe(`
    CREATE FUNCTION claim_ranked(consumer uuid, candidates text[], ignored text[], want_vcpus integer,
                                 want_memory_mb integer, want_disk_gb integer, down_after interval) RETURNS text
    LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
      candidate text;
      room boolean;
    BEGIN
      -- A retried claim: the consumer already holds a host it may be placed on (the ignored ones are the source
      -- of a move, whose allocation it keeps), even one the ranking left out since (that claim filled it).
      SELECT a.host INTO candidate FROM allocations a
      WHERE a.consumer_uuid = consumer AND a.host <> ALL (ignored) ORDER BY a.host LIMIT 1;
      IF candidate IS NOT NULL THEN
        RETURN candidate;
      END IF;
      FOREACH candidate IN ARRAY candidates LOOP
        SELECT host_takes(candidate, want_vcpus, want_memory_mb, want_disk_gb, down_after) INTO room;
        CONTINUE WHEN NOT room;
        BEGIN
          PERFORM 1 FROM hosts WHERE name = candidate FOR UPDATE;
          -- A fresh snapshot after the lock: it sees every claim on this host committed before it.
          SELECT host_takes(candidate, want_vcpus, want_memory_mb, want_disk_gb, down_after) INTO room;
          IF room THEN
            INSERT INTO allocations (consumer_uuid, host, vcpus, memory_mb, disk_gb)
            VALUES (consumer, candidate, want_vcpus, want_memory_mb, want_disk_gb);
            RETURN candidate;
          END IF;
          RAISE SQLSTATE 'NV001';
        EXCEPTION WHEN SQLSTATE 'NV001' THEN
          NULL; -- taken by a concurrent claim since the look: the lock is released, on to the next
        END;
      END LOOP;
      RETURN NULL;
    END $$`);
};

exports.down = async (sql) => {
  await sql`DROP FUNCTION claim_ranked(uuid, text[], text[], integer, integer, integer, interval)`;
  await sql`DROP FUNCTION host_takes(text, integer, integer, integer, interval)`;
};
