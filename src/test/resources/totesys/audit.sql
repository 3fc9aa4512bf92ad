-- An audit trail of the test ToteSys: every row version a committed transaction wrote, and
-- every delete, with the id of the (top-level) transaction that wrote it. A row written in a
-- transaction that rolled back leaves nothing here either. The pipeline's reader role cannot
-- see this schema; the tests compare the lake with it.
CREATE SCHEMA IF NOT EXISTS audit;

CREATE TABLE IF NOT EXISTS audit.row_version (
    version_id   bigserial PRIMARY KEY,
    table_name   text      NOT NULL,
    row_id       integer   NOT NULL,
    xid          xid8      NOT NULL,
    deleted      boolean   NOT NULL,
    row_text     text
);

CREATE OR REPLACE FUNCTION audit.record_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO audit.row_version (table_name, row_id, xid, deleted, row_text)
        VALUES (TG_TABLE_NAME, (to_jsonb(OLD) ->> TG_ARGV[0])::integer, pg_current_xact_id(), true, NULL);
        RETURN OLD;
    END IF;
    INSERT INTO audit.row_version (table_name, row_id, xid, deleted, row_text)
    VALUES (TG_TABLE_NAME, (to_jsonb(NEW) ->> TG_ARGV[0])::integer, pg_current_xact_id(), false, NEW::text);
    RETURN NEW;
END
$$;

DO $$
DECLARE
    audited text;
BEGIN
    FOREACH audited IN ARRAY ARRAY['address', 'counterparty', 'currency', 'department', 'design', 'payment_type',
                                   'staff', 'sales_order', 'purchase_order', 'transaction', 'payment'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS record_version ON public.%I', audited);
        EXECUTE format('CREATE TRIGGER record_version AFTER INSERT OR UPDATE OR DELETE ON public.%I '
                       'FOR EACH ROW EXECUTE FUNCTION audit.record_version(%L)', audited, audited || '_id');
    END LOOP;
END
$$;
