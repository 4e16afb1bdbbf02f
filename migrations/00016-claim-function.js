// A resource claim as one atomic statement (issue 8): `SELECT claim_first_fit(...)` locks the candidate hosts,
// re-reads their usage after the locks and inserts the allocation on the first that still fits, in one round
// trip. The candidates are locked together in name order, so two claims with the same hosts in different orders
// wait for each other instead of deadlocking. Each statement of a volatile PL/pgSQL function takes a fresh
// snapshot under READ COMMITTED: the usage read after the lock includes every claim committed before it.
// Usable capacity is the allocation audit's (api/queries/allocation-audit.ts) and domain/capacity.ts's `fits`.
exports.up = async (sql) => {
  await sql.unsafe(`
    CREATE FUNCTION claim_first_fit(consumer uuid, candidates text[], want_vcpus integer, want_memory_mb integer,
                                    want_disk_gb integer) RETURNS text
    LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
      chosen text;
    BEGIN
      PERFORM 1 FROM hosts WHERE name = ANY (candidates) ORDER BY name FOR UPDATE;
      -- A retried claim: the consumer already holds one of the candidates.
      SELECT a.host INTO chosen FROM allocations a
      WHERE a.consumer_uuid = consumer AND a.host = ANY (candidates)
      ORDER BY array_position(candidates, a.host) LIMIT 1;
      IF chosen IS NOT NULL THEN
        RETURN chosen;
      END IF;
      SELECT h.name INTO chosen FROM hosts h
      LEFT JOIN LATERAL (
        SELECT COALESCE(SUM(a.vcpus), 0) AS vcpus, COALESCE(SUM(a.memory_mb), 0) AS memory_mb,
               COALESCE(SUM(a.disk_gb), 0) AS disk_gb
        FROM allocations a WHERE a.host = h.name) used ON TRUE
      WHERE h.name = ANY (candidates)
        AND want_vcpus <= floor(h.vcpus * h.cpu_allocation_ratio) - used.vcpus
        AND want_memory_mb <= floor((h.memory_mb - h.reserved_memory_mb) * h.ram_allocation_ratio) - used.memory_mb
        AND want_disk_gb <= floor(h.disk_gb * h.disk_allocation_ratio) - used.disk_gb
        AND want_vcpus <= h.vcpus AND want_memory_mb <= h.memory_mb AND want_disk_gb <= h.disk_gb
      ORDER BY array_position(candidates, h.name) LIMIT 1;
      IF chosen IS NOT NULL THEN
        INSERT INTO allocations (consumer_uuid, host, vcpus, memory_mb, disk_gb)
        VALUES (consumer, chosen, want_vcpus, want_memory_mb, want_disk_gb);
      END IF;
      RETURN chosen;
    END $$`);
};

exports.down = async (sql) => {
  await sql`DROP FUNCTION claim_first_fit(uuid, text[], integer, integer, integer)`;
};
