-- Retention (issue 25, point 8): what a poll reads of the pipeline's records does not grow
-- with them, and old records can be forgotten in small deletes.

-- The calendar the transform finds before a batch: the earliest first day and the latest last
-- day, each one index look-up instead of a read of every batch's coverage.
CREATE INDEX calendar_coverage_first_date ON pipeline.calendar_coverage (first_date);
CREATE INDEX calendar_coverage_last_date ON pipeline.calendar_coverage (last_date);

-- The last finished reconciliation, found past however many runs that failed on the way.
CREATE INDEX reconcile_run_finished ON pipeline.reconcile_run (started_at) WHERE finished_at IS NOT NULL;

-- Done replay requests and replayed quarantined batches, by when, for retention.
CREATE INDEX replay_request_done ON pipeline.replay_request (done_at) WHERE done_at IS NOT NULL;
CREATE INDEX quarantined_batch_replayed ON pipeline.quarantined_batch (replayed_at) WHERE replayed_at IS NOT NULL;

-- Runs that failed on the way, which a later run supersedes.
CREATE INDEX reconcile_run_unfinished ON pipeline.reconcile_run (run_id) WHERE finished_at IS NULL;
