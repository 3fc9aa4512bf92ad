package io.totesys.pipeline.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.totesys.pipeline.starschema.WarehouseColumn;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The SQL a load batch runs, as text: a change to it shows here first, before it reaches a
 * warehouse.
 */
class MergeStatementsTest {

    private static final String PAYMENT_COLUMNS = "payment_id, created_date, created_time, last_updated_date, "
            + "last_updated_time, transaction_id, counterparty_id, payment_amount, currency_id, payment_type_id, paid, "
            + "payment_date";

    @Test
    void aDimensionKeepsTheVersionOfTheLatestBatchOfEachKey() {
        assertThat(MergeStatements.upsert(WarehouseTable.DIM_CURRENCY)).isEqualTo(
                "INSERT INTO public.dim_currency AS d (currency_id, currency_code, currency_name, batch_id) "
                        + "SELECT DISTINCT ON (currency_id) currency_id, currency_code, currency_name, ?::text "
                        + "FROM staging_dim_currency ORDER BY currency_id "
                        + "ON CONFLICT (currency_id) DO UPDATE SET currency_code = excluded.currency_code, "
                        + "currency_name = excluded.currency_name, batch_id = excluded.batch_id "
                        + "WHERE d.batch_id IS NULL OR d.batch_id <= excluded.batch_id");
    }

    @Test
    void aFactGainsARowForEachVersionNotYetInTheWarehouse() {
        assertThat(MergeStatements.appendNewVersions(WarehouseTable.FACT_PAYMENT)).isEqualTo(
                "INSERT INTO public.fact_payment (" + PAYMENT_COLUMNS + ", batch_id) SELECT DISTINCT "
                        + PAYMENT_COLUMNS
                        + ", ?::text FROM staging_fact_payment s WHERE NOT EXISTS (SELECT 1 FROM public.fact_payment f "
                        + "WHERE f.payment_id = s.payment_id AND (f.payment_id, f.created_date, f.created_time, "
                        + "f.last_updated_date, f.last_updated_time, f.transaction_id, f.counterparty_id, "
                        + "f.payment_amount, f.currency_id, f.payment_type_id, f.paid, f.payment_date) "
                        + "IS NOT DISTINCT FROM (s.payment_id, s.created_date, s.created_time, s.last_updated_date, "
                        + "s.last_updated_time, s.transaction_id, s.counterparty_id, s.payment_amount, s.currency_id, "
                        + "s.payment_type_id, s.paid, s.payment_date)) "
                        + "ORDER BY payment_id, last_updated_date, last_updated_time");
    }

    @Test
    void aFactsMissingDimensionRowsAreInferredWithPlaceholderText() {
        WarehouseColumn staff = WarehouseTable.FACT_SALES_ORDER.columns().stream()
                .filter(column -> column.name().equals("sales_staff_id")).findFirst().orElseThrow();
        assertThat(
                MergeStatements.inferMissingMembers(WarehouseTable.FACT_SALES_ORDER, staff, WarehouseTable.DIM_STAFF))
                .isEqualTo("INSERT INTO public.dim_staff (staff_id, first_name, last_name, department_name, location, "
                        + "email_address) SELECT DISTINCT s.sales_staff_id, 'Unknown', 'Unknown', 'Unknown', NULL::text, "
                        + "'Unknown' FROM staging_fact_sales_order s WHERE NOT EXISTS (SELECT 1 FROM public.dim_staff d "
                        + "WHERE d.staff_id = s.sales_staff_id) ON CONFLICT DO NOTHING RETURNING staff_id");
    }

    @Test
    void stagingTablesCopyTheirTablesColumnsAndGoWithTheTransaction() {
        assertThat(MergeStatements.createStagingTable(WarehouseTable.DIM_CURRENCY)).isEqualTo(
                "CREATE TEMPORARY TABLE staging_dim_currency ON COMMIT DROP AS SELECT currency_id, currency_code, "
                        + "currency_name FROM public.dim_currency WITH NO DATA");
        assertThat(MergeStatements.copyIntoStaging(WarehouseTable.DIM_CURRENCY,
                new CsvCopyEncoder(WarehouseTable.DIM_CURRENCY.columns()))).isEqualTo(
                        "COPY staging_dim_currency (currency_id, currency_code, currency_name) FROM STDIN (FORMAT csv)");
    }
}
