-- A batch that reads tables whole (the first one, a backfill) records which (issue 14): the
-- mirror of what the lake holds takes those tables' checksums as they are when it is
-- published, instead of merging them key by key, and a batch that read every table whole
-- counts as a reconciliation: the lake then holds exactly what ToteSys held in its snapshot.
ALTER TABLE pipeline.extract_batch ADD COLUMN whole_tables text[];

CREATE INDEX extract_batch_whole ON pipeline.extract_batch (started_at) WHERE whole_tables IS NOT NULL;
