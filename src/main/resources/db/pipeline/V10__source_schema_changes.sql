-- Schema drift: ToteSys changes its tables, the pipeline neither loses data nor stops.

-- The columns each ToteSys table had when the extractor last looked, as JSON
-- ([{"name": ..., "type": ..., "position": ...}], type as format_type() writes it), with
-- their fingerprint: what the next batch compares the table's columns with; held_reason
-- says why the extract holds the table with these columns (NULL: it does not).
CREATE TABLE source_schema (
    table_name   text        PRIMARY KEY,
    columns      text        NOT NULL,
    fingerprint  text        NOT NULL,
    held_reason  text,
    batch_id     text        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now()
);

-- Every change the extractor saw in a ToteSys table, once, with the batch that first saw it.
-- change: added, dropped, renamed (column_name the old name, renamed_to the new one) or
-- retyped; old_type and new_type as format_type() writes them.
CREATE TABLE source_schema_change (
    change_id      bigserial   PRIMARY KEY,
    table_name     text        NOT NULL,
    change         text        NOT NULL CHECK (change IN ('added', 'dropped', 'renamed', 'retyped')),
    column_name    text        NOT NULL,
    renamed_to     text,
    old_type       text,
    new_type       text,
    first_seen_at  timestamptz NOT NULL DEFAULT now(),
    batch_id       text        NOT NULL
);

-- The tables an extract batch held back (a column the star schema needs is missing or
-- retyped beyond what it can take): publishing the batch leaves their read horizons where
-- they are, so that they resume from there once the column is back.
ALTER TABLE extract_batch ADD COLUMN held_tables text[];
