// Claims for a batch of requests in one statement and one commit (issue 8): the scheduler ranks the requests
// that arrived together once and gives each its host, and `SELECT claim_assigned(...)` claims each request's host,
// or returns the host the consumer already holds (a retried claim), or NULL when the host has no room, is
// disabled or down by now: that request then claims down its ranking alone (claim_ranked). Fifty claims in
// fifty transactions cost fifty commits; here they cost one.
//
// Locks: the batch locks its hosts in name order before it checks any, and keeps them to the commit. Every other
// claim either locks in name order too (claim_first_fit, another batch) or never waits while it holds a host
// lock (claim_ranked, the single-host updates): no deadlock.
exports.up = async (sql) => {
  await sql.unsafe(`
    CREATE FUNCTION claim_assigned(consumers uuid[], assigned text[], ignored text[], want_vcpus integer,
                                   want_memory_mb integer, want_disk_gb integer, down_after interval) RETURNS text[]
    LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
      claimed text[] := '{}';
      held text;
    BEGIN
      PERFORM 1 FROM hosts WHERE name = ANY (assigned) ORDER BY name FOR UPDATE;
      FOR i IN 1 .. cardinality(consumers) LOOP
        -- After the locks, in the same transaction: a consumer twice in the batch holds the first host it got.
        SELECT a.host INTO held FROM allocations a
        WHERE a.consumer_uuid = consumers[i] AND a.host <> ALL (ignored) ORDER BY a.host LIMIT 1;
        IF held IS NULL AND host_takes(assigned[i], want_vcpus, want_memory_mb, want_disk_gb, down_after) THEN
          INSERT INTO allocations (consumer_uuid, host, vcpus, memory_mb, disk_gb)
          VALUES (consumers[i], assigned[i], want_vcpus, want_memory_mb, want_disk_gb);
          held := assigned[i];
        END IF;
        claimed := array_append(claimed, held);
      END LOOP;
      RETURN claimed;
    END $$`);
};

exports.down = async (sql) => {
  await sql`DROP FUNCTION claim_assigned(uuid[], text[], text[], integer, integer, integer, interval)`;
};
