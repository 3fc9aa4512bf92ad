-- The *_current views list the columns their fact had when they were made (PostgreSQL
-- expands a view's * then). This makes them again, as V7 defines them, so that a column an
-- operator adds to a fact with their own migrations (ETL_STAR_SCHEMA_MIGRATIONS) is in its
-- view too: the service calls it after those migrations.
CREATE FUNCTION pipeline.refresh_current_views() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    fact record;
BEGIN
    FOR fact IN SELECT * FROM (VALUES ('fact_sales_order', 'sales_order_id', 'sales_record_id'),
                                      ('fact_purchase_order', 'purchase_order_id', 'purchase_record_id'),
                                      ('fact_payment', 'payment_id', 'payment_record_id')) AS facts (name, key, version)
    LOOP
        EXECUTE format('CREATE OR REPLACE VIEW public.%1$s_current AS SELECT latest.* FROM (SELECT DISTINCT ON (%2$s) * '
                || 'FROM public.%1$s ORDER BY %2$s, batch_id DESC NULLS LAST, last_updated_date DESC, '
                || 'last_updated_time DESC, %3$s DESC) AS latest WHERE NOT EXISTS (SELECT 1 FROM public.%1$s_deletion d '
                || 'WHERE d.%2$s = latest.%2$s AND (latest.batch_id IS NULL OR d.batch_id >= latest.batch_id))',
                fact.name, fact.key, fact.version);
    END LOOP;
END
$$;
