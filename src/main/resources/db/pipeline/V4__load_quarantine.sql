-- The Parquet objects a load batch could not trust and left out, so that archiving the
-- batch after a restart still moves them to quarantine/ with their report.
ALTER TABLE pipeline.load_batch ADD COLUMN quarantined jsonb NOT NULL DEFAULT '[]';
