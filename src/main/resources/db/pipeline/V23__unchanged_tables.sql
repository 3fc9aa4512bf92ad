-- The tables an extract batch did not read because PostgreSQL's statistics counters said nobody
-- wrote to them since they were last read: publishing the batch, even after a restart, moves
-- their watermarks' times but leaves their read horizons, so that a write whose counter is
-- late is read by a later batch (docs/architecture.md#what-a-poll-costs).
ALTER TABLE pipeline.extract_batch ADD COLUMN unchanged_tables text[];
