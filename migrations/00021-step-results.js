// What each local conductor step of a workflow run returned (or the business failure it ended with), keyed by
// the run and the local activity's sequence number. Temporal records a local activity's result only when the
// workflow task that ran it completes; a conductor killed before that runs every step of the task again, after
// the later ones have committed. The step log makes such a second run return what the first one recorded
// (worker/step-log-interceptor.ts). Rows matter only until their workflow task completes, so old ones are purged.
exports.up = async (sql) => {
  await sql.unsafe(`
    CREATE TABLE step_results (
      run_id uuid NOT NULL,
      activity_id text NOT NULL,
      activity_type text NOT NULL,
      outcome json NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (run_id, activity_id)
    );
    CREATE INDEX step_results_recorded_at ON step_results (recorded_at);
  `);
};

exports.down = async (sql) => {
  await sql`DROP TABLE step_results`;
};
