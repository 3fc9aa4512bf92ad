package io.totesys.pipeline.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.mirror.EarlierChecksums;
import io.totesys.pipeline.source.SourceSchema;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.world.DatabaseServer;

/**
 * Issue 26: the mirror's checksums became 64-bit hashes in release 26 ({@code V26}). A mirror
 * written by release 25, MD5 of each row's record as text, with a difference reconciliation
 * had yet to find, is migrated by the real {@code V26} and rebased once by the first extract
 * run, which reads no row into the lake for it; reconciliation then finds the same
 * differences release 25 would have found, and nothing else.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class MirrorUpgradeTest extends ReconciliationScenario {

    @Inject
    Flyway flyway;

    @Test
    void aMirrorOfReleaseTwentyFiveIsRebasedOnceAndReconciliationFindsWhatItWouldHaveFound() {
        Map<String, Long> keys = mirroredKeys();
        theSchemaAsReleaseTwentyFiveLeftIt();
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold + 1000 WHERE sales_order_id = 1");
        hideCommittedChangesFromTheBatches();
        DatabaseServer.execute(world.databases().warehouse(),
                "INSERT INTO pipeline.source_row_checksum VALUES ('currency', 999, md5('gone')::uuid)",
                "UPDATE pipeline.source_row_checksum SET checksum = '" + EarlierChecksums.NOT_EXTRACTED
                        + "' WHERE table_name = 'department' AND row_key = 2");

        flyway.migrate();
        assertThat(extractBatch()).as("the upgrade reads no row into the lake").isEmpty();

        assertThat(
                SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM pipeline.source_row_checksum_md5"))
                .as("the earlier checksums, once rebased").isZero();
        Map<String, Long> rebased = mirroredKeys();
        assertThat(rebased).containsAllEntriesOf(Map.of("sales_order", keys.get("sales_order"),
                "currency", keys.get("currency") + 1, "department", keys.get("department")));
        BatchManifest repair = reconcile().orElseThrow();
        Map<String, Found> found = lastRun();
        assertThat(found.get("sales_order").differences()).as("sales_order").containsExactly(1L, 0L, 0L, 0L);
        assertThat(found.get("currency").differences()).as("currency").containsExactly(0L, 0L, 1L, 0L);
        assertThat(found.get("department").differences()).as("department").containsExactly(0L, 1L, 0L, 0L);
        found.forEach((table, row) -> {
            if (!Map.of("sales_order", 0, "currency", 0, "department", 0).containsKey(table)) {
                assertThat(row.mismatched() + row.adopted()).as(table).isZero();
            }
        });
        assertThat(ids(repair, "sales_order")).containsExactly(1);
        assertThat(ids(repair, "department")).containsExactly(2);
        assertThat(deletedIds(repair, "currency")).containsExactly(999);

        assertThat(reconcile()).as("once repaired, the lake equals ToteSys").isEmpty();
    }

    /**
     * Undoes {@code V26} (and the migrations after it) by hand and fills the mirror as release 25 kept it: the MD5 of the
     * record of each row's catalogue text, as ToteSys computed it when the rows were extracted
     * (no row has changed since the scenario's batches).
     */
    private void theSchemaAsReleaseTwentyFiveLeftIt() {
        DatabaseServer.execute(world.databases().warehouse(),
                "DROP TABLE pipeline.source_row_checksum",
                "ALTER TABLE pipeline.source_row_checksum_md5 RENAME TO source_row_checksum",
                "ALTER INDEX pipeline.source_row_checksum_md5_pkey RENAME TO source_row_checksum_pkey",
                """
                        CREATE TRIGGER source_row_checksum_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
                            ON pipeline.source_row_checksum
                            FOR EACH STATEMENT EXECUTE FUNCTION pipeline.source_row_checksum_changed()""",
                "ALTER TABLE pipeline.source_row_checksum_staged ALTER COLUMN checksum TYPE uuid USING NULL",
                // and the migrations after V26, which release 25 did not have either
                "DROP SCHEMA iceberg_catalog CASCADE",
                "DELETE FROM pipeline.flyway_schema_history WHERE version::integer >= 26");
        for (SourceTable table : SourceTable.values()) {
            String lines = SqlRows.of(world.totesysOwner(), "SELECT " + table.primaryKey() + ", "
                    + table.columns().stream().map(SourceSchema::catalogueText)
                            .collect(Collectors.joining(", ", "md5(ROW(", ")::text)"))
                    + " FROM " + table.qualifiedName()).stream()
                    .map(row -> row.substring(1, row.length() - 1).split(","))
                    .map(values -> "('" + table.tableName() + "', " + values[0] + ", '" + values[1] + "')")
                    .collect(Collectors.joining(", "));
            DatabaseServer.execute(world.databases().warehouse(),
                    "INSERT INTO pipeline.source_row_checksum VALUES " + lines);
        }
    }

    private Map<String, Long> mirroredKeys() {
        return SqlRows.of(world.databases().warehouse(),
                "SELECT table_name, count(*) FROM pipeline.source_row_checksum GROUP BY 1").stream()
                .map(row -> row.substring(1, row.length() - 1).split(","))
                .collect(Collectors.toMap(values -> values[0], values -> Long.parseLong(values[1])));
    }
}
