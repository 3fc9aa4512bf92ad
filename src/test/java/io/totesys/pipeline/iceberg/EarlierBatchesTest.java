package io.totesys.pipeline.iceberg;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.ExtractRuns;
import io.totesys.pipeline.testing.IcebergTables;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * The upgrade from a release that wrote the star schema as plain Parquet: a lake of such
 * batches, loaded and waiting, comes into the Iceberg tables before the first batch of this
 * release commits, each batch one snapshot of each table it changed, oldest first; the tables
 * then hold what the warehouse holds, and every batch is loaded once.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class EarlierBatchesTest {

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);
    @RegisterExtension
    final IcebergTables tables = new IcebergTables(world);

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @Test
    void theBatchesOfTheEarlierReleaseComeIntoTheTablesOnceOldestFirst() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 81);
        simulator.seed(0.02);
        PipelineStages.runEach(producer);
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE staff SET first_name = 'Earlier', last_updated = now() WHERE staff_id = 1",
                "INSERT INTO currency VALUES (98, 'SEK', now(), now())");
        PipelineStages.runEach(producer);
        DatabaseServer.execute(world.totesysOwner(), "DELETE FROM currency WHERE currency_id = 98");
        ExtractRuns extract = new ExtractRuns(producer, json,
                new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET));
        // the delete reaches a batch once ToteSys's statistics counters report it
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> extract.run().isPresent());
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        List<String> earlier = asTheEarlierReleaseLeftIt();
        assertThat(earlier).as("two batches loaded, one waiting for the load").hasSize(3);

        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE staff SET first_name = 'Upgraded', last_updated = now() WHERE staff_id = 2");
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> extract.run().isPresent());
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
        PipelineStages.run(producer, PipelineStage.LOAD);

        IcebergTables.assertEqualTheWarehouse(world);
        assertThat(tables.batches(WarehouseTable.DIM_CURRENCY)).as("each batch one snapshot, oldest first")
                .containsExactlyElementsOf(earlier);
        assertThat(tables.rows(WarehouseTable.DIM_CURRENCY)).noneMatch(row -> row.startsWith("98|"));
        assertThat(tables.deletions(WarehouseTable.DIM_CURRENCY)).as("the earlier batch's deletion, in its table")
                .singleElement().asString().startsWith("98|");
        List<String> staff = tables.batches(WarehouseTable.DIM_STAFF);
        assertThat(staff).hasSize(3).startsWith(earlier.get(0), earlier.get(1)).doesNotContain(earlier.get(2));
        assertThat(tables.rows(WarehouseTable.DIM_STAFF, tables.history(WarehouseTable.DIM_STAFF).get(1)
                .snapshotId())).as("as of the earlier release's second batch")
                .anyMatch(row -> row.startsWith("1|Earlier|"))
                .noneMatch(row -> row.startsWith("2|Upgraded|"));
        assertThat(SqlRows.count(world.databases().warehouse(), "SELECT count(*) FROM pipeline.load_batch"))
                .as("every batch loaded once").isEqualTo(4);

        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE staff SET first_name = 'Again', last_updated = now() WHERE staff_id = 2");
        PipelineStages.runEach(producer);
        assertThat(tables.batches(WarehouseTable.DIM_STAFF)).as("the earlier batches registered once").hasSize(4)
                .doesNotHaveDuplicates();
        IcebergTables.assertEqualTheWarehouse(world);
    }

    /**
     * Turns the lake into what the earlier release wrote: each table's parts and deletions under
     * {@code input/} or {@code processed/} beside their manifest, no Iceberg table; says the
     * batches.
     */
    private List<String> asTheEarlierReleaseLeftIt() throws Exception {
        List<String> manifests = new ArrayList<>(processed.keys("processed/_manifests/"));
        manifests.addAll(processed.keys("input/_manifests/"));
        List<String> batches = new ArrayList<>();
        for (String manifestKey : manifests) {
            String area = manifestKey.substring(0, manifestKey.indexOf('/') + 1);
            BatchManifest manifest = json.readValue(processed.readBytes(manifestKey), BatchManifest.class);
            BatchId batch = new BatchId(manifest.batchId());
            List<BatchManifest.Entry> objects = asTheEarlierReleaseWroteThem(area, batch, manifest.objects(), "");
            List<BatchManifest.Entry> deletions = asTheEarlierReleaseWroteThem(area, batch, manifest.deletions(),
                    LakeLayout.DELETIONS + "/");
            world.s3().putObject(request -> request.bucket(EmbeddedWorld.PROCESSED_BUCKET).key(manifestKey),
                    RequestBody
                            .fromBytes(json.writeValueAsBytes(manifest.withObjects(objects).withDeletions(deletions))));
            batches.add(manifest.batchId());
        }
        for (String key : processed.keys(LakeLayout.TABLES + "/")) {
            processed.delete(key);
        }
        DatabaseServer.execute(world.databases().warehouse(),
                "TRUNCATE iceberg_catalog.iceberg_tables, iceberg_catalog.iceberg_namespace_properties");
        return batches.stream().sorted().toList();
    }

    /**
     * Copies a batch's files where the earlier release kept them, beside the manifest in
     * {@code area}: a table's parts as {@code <table>/date=<day>/<batch>-part-0001.parquet}, its
     * deletions under {@code _deletions/}; says their entries.
     */
    private List<BatchManifest.Entry> asTheEarlierReleaseWroteThem(String area, BatchId batch,
            List<BatchManifest.Entry> files, String prefix) {
        Map<String, Integer> parts = new HashMap<>();
        List<BatchManifest.Entry> entries = new ArrayList<>();
        for (BatchManifest.Entry entry : files) {
            String key = LakeLayout.partKey(prefix + entry.table(), batch, parts.merge(entry.table(), 1, Integer::sum),
                    "parquet");
            byte[] content = processed.readBytes(entry.key());
            world.s3().putObject(request -> request.bucket(EmbeddedWorld.PROCESSED_BUCKET).key(area + key),
                    RequestBody.fromBytes(content));
            entries.add(new BatchManifest.Entry(entry.table(), key, entry.rows(), entry.bytes(), entry.sha256(),
                    entry.windowFrom()));
        }
        return entries;
    }
}
