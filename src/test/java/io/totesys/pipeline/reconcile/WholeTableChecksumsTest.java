package io.totesys.pipeline.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.world.DatabaseServer;

/**
 * Issue 26: a table a batch reads whole has its checksums staged into a table of their own and
 * made the table's partition of the mirror when the batch is published, instead of inserted row
 * by row in the publishing transaction. The partitions hold what the lake holds; a table read
 * whole again replaces its partition; what a batch that did not publish staged is dropped before
 * the next one.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class WholeTableChecksumsTest extends ReconciliationScenario {

    @Test
    void aTableReadWholeBecomesItsPartitionOfTheMirrorAndNothingStagedIsLeft() {
        for (SourceTable table : SourceTable.values()) {
            assertThat(partitionRows(table)).as(table.tableName()).isEqualTo(toteSysRows(table));
        }
        assertThat(SqlRows.count(world.databases().warehouse(), """
                SELECT count(*) FROM pg_inherits
                 WHERE inhparent = 'pipeline.source_row_checksum'::regclass""")).as("partitions attached")
                .isEqualTo(SourceTable.values().length);
        assertThat(stagedApart()).as("tables of checksums staged apart, after the first batch").isZero();
        assertThat(reconcile()).as("the first batch's mirror holds what the lake holds").isEmpty();

        DatabaseServer.execute(world.totesysOwner(), "UPDATE currency SET currency_code = 'CHF' WHERE currency_id = 1");
        hideCommittedChangesFromTheBatches();
        DatabaseServer.execute(world.databases().warehouse(),
                "INSERT INTO pipeline.replay_request (table_name) VALUES ('currency')");
        BatchManifest whole = extractBatch().orElseThrow();

        assertThat(ids(whole, "currency")).hasSize((int) toteSysRows(SourceTable.CURRENCY)).contains(1);
        assertThat(partitionRows(SourceTable.CURRENCY)).isEqualTo(toteSysRows(SourceTable.CURRENCY));
        assertThat(stagedApart()).isZero();
        assertThat(reconcile()).as("currency's partition replaced by the checksums of the rows read again").isEmpty();
        assertThat(lastRun().get("currency").differences()).containsExactly(0L, 0L, 0L, 0L);

        DatabaseServer.execute(world.databases().warehouse(), """
                CREATE TABLE pipeline.source_row_checksum_next_staff (LIKE pipeline.source_row_checksum,
                    CONSTRAINT source_row_checksum_next_staff_pkey PRIMARY KEY (table_name, row_key))""",
                "INSERT INTO pipeline.source_row_checksum_next_staff VALUES ('staff', 1, 42)");
        extractBatch();

        assertThat(stagedApart()).as("what a batch that did not publish staged apart").isZero();
        assertThat(reconcile()).as("staff's partition as it was").isEmpty();
    }

    private long partitionRows(SourceTable table) {
        return SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM pipeline.source_row_checksum_of_" + table.tableName());
    }

    private long toteSysRows(SourceTable table) {
        return SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM " + table.tableName());
    }

    private long stagedApart() {
        return SqlRows.count(world.databases().warehouse(),
                """
                SELECT count(*) FROM pg_class
                 WHERE relnamespace = 'pipeline'::regnamespace AND relname LIKE 'source\\_row\\_checksum\\_next\\_%'""");
    }
}
