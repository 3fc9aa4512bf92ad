package io.totesys.pipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.world.EmbeddedWorld;

/**
 * What a user must see once the pipeline has caught up, whatever happened on the way:
 * the warehouse's current state equals the star schema computed from ToteSys, row for row
 * ({@code dim_date} a whole calendar over at least the days ToteSys refers to); the lake holds
 * no row version twice; nothing is stranded under {@code input/}; no extract batch is
 * left half done; the lake's Iceberg tables hold what the warehouse holds.
 */
public final class PipelineOutcome {

    /**
     * How long the lake's tables may trail the warehouse: a running service commits a batch to
     * them after the load is woken, and a commit that failed is made by the transform's next run.
     */
    private static final Duration ICEBERG_COMMITS = Duration.ofMinutes(1);

    private PipelineOutcome() {
    }

    /**
     * Waits until every extracted batch is loaded and the warehouse has every payment of
     * ToteSys; returns how long that took.
     */
    public static Duration awaitCaughtUp(EmbeddedWorld world, Duration timeout) {
        Instant start = Instant.now();
        Eventually.holds("the pipeline catches up with ToteSys", timeout, () -> caughtUp(world),
                () -> "awaited: every extract batch not abandoned loaded, and fact_payment as ToteSys's payments");
        return Duration.between(start, Instant.now());
    }

    /** Whether every extracted batch is loaded and the warehouse has every payment of ToteSys. */
    private static boolean caughtUp(EmbeddedWorld world) {
        try {
            long unloaded = SqlRows.count(world.databases().warehouse(), """
                    SELECT count(*) FROM pipeline.extract_batch e
                     WHERE e.status <> 'ABANDONED'
                       AND NOT EXISTS (SELECT 1 FROM pipeline.load_batch l WHERE l.batch_id = e.batch_id)""");
            return unloaded == 0 && StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(),
                    WarehouseTable.FACT_PAYMENT).equals(
                            StarSchemaFromToteSys.rows(world.totesysOwner(), WarehouseTable.FACT_PAYMENT));
        } catch (IllegalStateException notThereYet) {
            return false; // the pipeline's schema appears with its first batch; a database may be away
        }
    }

    /**
     * Asserts that nothing was lost, doubled or stranded, and that the lake's Iceberg tables hold
     * what the warehouse holds; returns the warehouse rows compared.
     */
    public static long assertNothingLostOrDoubled(EmbeddedWorld world) {
        long compared = 0;
        for (WarehouseTable table : WarehouseTable.values()) {
            List<String> expected = StarSchemaFromToteSys.rows(world.totesysOwner(), table);
            if (table == WarehouseTable.DIM_DATE) {
                assertThat(StarSchemaFromToteSys.calendarCoversToteSys(world.totesysOwner(),
                        world.databases().warehouse())).as("dim_date, a whole calendar over every day ToteSys "
                                + "refers to")
                        .isTrue();
                compared += expected.size();
                continue;
            }
            assertThat(StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(), table))
                    .as(table.tableName()).isEqualTo(expected);
            compared += expected.size();
        }
        LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
        Set<String> seen = new HashSet<>();
        assertThat(ingest.extractedRecords().stream().filter(version -> !seen.add(version)).distinct().toList())
                .as("row versions extracted twice").isEmpty();
        assertThat(ingest.keys("input/")).as("stranded under input/ of the ingest bucket").isEmpty();
        assertThat(new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET).keys("input/"))
                .as("stranded under input/ of the processed bucket").isEmpty();
        assertThat(SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM pipeline.extract_batch WHERE status = 'STARTED'"))
                .as("extract batches left half done").isZero();
        IcebergTables.awaitEqualTheWarehouse(world, ICEBERG_COMMITS);
        return compared;
    }
}
