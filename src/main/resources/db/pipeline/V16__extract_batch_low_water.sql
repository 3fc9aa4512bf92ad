-- The freshness lag measures the oldest change in ToteSys not yet in the warehouse (issue 25).
-- Where each extract batch's changes start: the source time its tables were read from (the
-- position the previous batch, or poll without changes, left them at). While the batch waits
-- for the load, the warehouse holds every change up to there. NULL: a batch that read every
-- table whole, or one recorded before this migration.
ALTER TABLE pipeline.extract_batch ADD COLUMN low_water timestamp(3);
