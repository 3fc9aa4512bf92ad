package io.totesys.pipeline.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.totesys.pipeline.starschema.AddedColumns;
import io.totesys.pipeline.starschema.WarehouseColumn;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The SQL a load batch runs, as text: a change to it shows here first, before it reaches a
 * warehouse.
 */
class MergeStatementsTest {

    private static final String PAYMENT_COLUMNS = "\"payment_id\", \"created_date\", \"created_time\", "
            + "\"last_updated_date\", \"last_updated_time\", \"transaction_id\", \"counterparty_id\", "
            + "\"payment_amount\", \"currency_id\", \"payment_type_id\", \"paid\", \"payment_date\"";

    @Test
    void aDimensionKeepsTheVersionOfTheLatestBatchOfEachKey() {
        assertThat(MergeStatements.upsert(WarehouseTable.DIM_CURRENCY)).isEqualTo(
                "INSERT INTO public.dim_currency AS d (\"currency_id\", \"currency_code\", \"currency_name\", "
                        + "batch_id) SELECT DISTINCT ON (currency_id) \"currency_id\", \"currency_code\", "
                        + "\"currency_name\", ?::text FROM staging_dim_currency ORDER BY currency_id "
                        + "ON CONFLICT (currency_id) DO UPDATE SET \"currency_code\" = excluded.\"currency_code\", "
                        + "\"currency_name\" = excluded.\"currency_name\", batch_id = excluded.batch_id "
                        + "WHERE d.batch_id IS NULL OR d.batch_id <= excluded.batch_id");
    }

    @Test
    void aFactGainsARowForEachVersionThatIsNotItsCurrentOneAsOfTheBatch() {
        assertThat(MergeStatements.appendNewVersions(WarehouseTable.FACT_PAYMENT)).isEqualTo(
                "WITH batch AS (SELECT ?::text AS id) INSERT INTO public.fact_payment (" + PAYMENT_COLUMNS
                        + ", batch_id) SELECT DISTINCT " + prefixed(PAYMENT_COLUMNS, "s.")
                        + ", batch.id FROM staging_fact_payment s CROSS JOIN batch WHERE NOT EXISTS (SELECT 1 FROM "
                        + "(SELECT * FROM public.fact_payment f WHERE f.payment_id = s.payment_id "
                        + "AND (f.batch_id IS NULL OR f.batch_id <= batch.id) ORDER BY f.batch_id DESC NULLS LAST, "
                        + "f.last_updated_date DESC, f.last_updated_time DESC, f.payment_record_id DESC LIMIT 1) latest "
                        + "WHERE (" + prefixed(PAYMENT_COLUMNS, "latest.") + ") IS NOT DISTINCT FROM ("
                        + prefixed(PAYMENT_COLUMNS, "s.") + ") "
                        + "AND NOT EXISTS (SELECT 1 FROM public.fact_payment_deletion d WHERE d.payment_id = s.payment_id "
                        + "AND d.batch_id <= batch.id AND (latest.batch_id IS NULL OR d.batch_id >= latest.batch_id))) "
                        + "ORDER BY payment_id, last_updated_date, last_updated_time");
    }

    @Test
    void aFactsMissingDimensionRowsAreInferredWithPlaceholderText() {
        WarehouseColumn staff = WarehouseTable.FACT_SALES_ORDER.columns().stream()
                .filter(column -> column.name().equals("sales_staff_id")).findFirst().orElseThrow();
        assertThat(
                MergeStatements.inferMissingMembers(WarehouseTable.FACT_SALES_ORDER, List.of(staff),
                        WarehouseTable.DIM_STAFF, false))
                .isEqualTo("INSERT INTO public.dim_staff (\"staff_id\", \"first_name\", \"last_name\", "
                        + "\"department_name\", \"location\", \"email_address\") SELECT r.key, 'Unknown', 'Unknown', 'Unknown', NULL::text, 'Unknown' FROM "
                        + "(SELECT DISTINCT v.key FROM staging_fact_sales_order s CROSS JOIN LATERAL (VALUES "
                        + "(s.\"sales_staff_id\")) AS v (key) WHERE v.key IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "
                        + "public.dim_staff d WHERE d.staff_id = v.key)) r ON CONFLICT DO NOTHING RETURNING staff_id");
    }

    @Test
    void stagingTablesCopyTheirTablesColumnsAndGoWithTheTransaction() {
        assertThat(MergeStatements.createStagingTable(StagedTable.rowsOf(WarehouseTable.DIM_CURRENCY))).isEqualTo(
                "CREATE TEMPORARY TABLE staging_dim_currency ON COMMIT DROP AS SELECT \"currency_id\", "
                        + "\"currency_code\", \"currency_name\" FROM public.dim_currency WITH NO DATA");
        assertThat(MergeStatements.copyIntoStaging(StagedTable.rowsOf(WarehouseTable.DIM_CURRENCY),
                new BinaryCopyEncoder(WarehouseTable.DIM_CURRENCY.columns()))).isEqualTo(
                        "COPY staging_dim_currency (\"currency_id\", \"currency_code\", \"currency_name\") FROM STDIN "
                                + "(FORMAT binary)");
    }

    @Test
    void aBatchsDeletionsAreRecordedWithTheBatchOnce() {
        assertThat(MergeStatements.createStagingTable(StagedTable.deletionsOf(WarehouseTable.FACT_PAYMENT))).isEqualTo(
                "CREATE TEMPORARY TABLE staging_fact_payment_deletion ON COMMIT DROP AS SELECT \"payment_id\", "
                        + "\"deleted_seen_date\", \"deleted_seen_time\" FROM public.fact_payment_deletion WITH NO DATA");
        assertThat(MergeStatements.recordDeletions(WarehouseTable.FACT_PAYMENT)).isEqualTo(
                "INSERT INTO public.fact_payment_deletion (\"payment_id\", \"deleted_seen_date\", "
                        + "\"deleted_seen_time\", batch_id) SELECT DISTINCT \"payment_id\", \"deleted_seen_date\", "
                        + "\"deleted_seen_time\", ?::text "
                        + "FROM staging_fact_payment_deletion ON CONFLICT DO NOTHING");
    }

    /**
     * Issue 25, point 6: an added column may be named for an SQL keyword or as a column of the
     * staging table's companions: every column list the load writes quotes its names, and a
     * fact's new versions are selected by the staging table's name, not beside the batch's id.
     */
    @Test
    void addedColumnsAreQuotedWhereverTheLoadNamesThem() {
        WarehouseTable.configure(AddedColumns.parse(Optional.of("sales_order.order text; design.user text; "
                + "payment.id integer")));
        try {
            List<String> statements = new ArrayList<>();
            for (WarehouseTable table : WarehouseTable.values()) {
                statements.add(MergeStatements.createStagingTable(StagedTable.rowsOf(table)));
                statements.add(MergeStatements.copyIntoStaging(StagedTable.rowsOf(table),
                        new BinaryCopyEncoder(table.columns())));
                statements.add(MergeStatements.insertRow(table));
                statements.add(table.isFact() ? MergeStatements.appendNewVersions(table)
                        : MergeStatements.upsert(table));
                statements.add(table.isFact() ? MergeStatements.appendToEmpty(table)
                        : MergeStatements.insertIntoEmpty(table));
            }
            statements.add(MergeStatements.inferMissingMembers(WarehouseTable.FACT_SALES_ORDER,
                    List.of(WarehouseTable.FACT_SALES_ORDER.columns().get(10)), WarehouseTable.DIM_DESIGN, false));
            statements.add(MergeStatements.copyStraightIn(WarehouseTable.FACT_SALES_ORDER,
                    new BinaryCopyEncoder(WarehouseTable.FACT_SALES_ORDER.columns(), "20261206T000000000Z-000000")));
            statements.add(MergeStatements.inferMissingMembers(WarehouseTable.FACT_SALES_ORDER,
                    List.of(WarehouseTable.FACT_SALES_ORDER.columns().get(10)), WarehouseTable.DIM_DESIGN, true));
            assertThat(statements).noneMatch(sql -> sql.matches("(?s).*[^\"]\\b(order|user)\\b[^\"].*"));
            assertThat(MergeStatements.upsert(WarehouseTable.DIM_DESIGN)).contains("\"user\" = excluded.\"user\"");
            assertThat(MergeStatements.appendNewVersions(WarehouseTable.FACT_PAYMENT))
                    .contains("s.\"payment_date\", s.\"id\", batch.id FROM staging_fact_payment s")
                    .contains("latest.\"id\") IS NOT DISTINCT FROM (");
        } finally {
            WarehouseTable.configure(AddedColumns.NONE);
        }
    }

    @Test
    void aDimensionMemberBroughtAgainLosesItsEarlierDeletion() {
        assertThat(MergeStatements.forgetEarlierDeletions(WarehouseTable.DIM_DESIGN)).isEqualTo(
                "DELETE FROM public.dim_design_deletion d USING staging_dim_design s "
                        + "WHERE d.design_id = s.design_id AND d.batch_id < ?");
    }

    /** The quoted names of a column list, each after the alias. */
    private static String prefixed(String columns, String alias) {
        return alias + columns.replace(", ", ", " + alias);
    }
}
