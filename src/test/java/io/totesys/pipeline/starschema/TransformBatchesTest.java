package io.totesys.pipeline.starschema;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;

import jakarta.inject.Inject;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.testing.CapturedLog;
import io.totesys.pipeline.testing.DuckDb;
import io.totesys.pipeline.testing.IcebergTables;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Simulator data through extract and transform against the real S3 server: what the
 * manifests say is what the objects hold, every batch is consumed once, and a batch that
 * comes back (a redelivered manifest, a restart before the manifest) changes nothing.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class TransformBatchesTest {

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private final LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @Test
    void manifestsMatchTheirObjectsAndEveryBatchIsConsumed() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 21);
        simulator.seed(0.05);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        for (int change = 0; change < 40; change++) {
            simulator.change();
        }
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        PipelineStages.run(producer, PipelineStage.TRANSFORM);

        assertThat(ingest.keys("input/")).as("nothing left under input/ of the ingest bucket").isEmpty();
        List<String> extractManifests = ingest.keys("processed/_manifests/");
        List<String> transformManifests = processed.keys("input/_manifests/");
        assertThat(extractManifests).hasSize(2);
        assertThat(transformManifests).hasSize(2);

        long salesOrderVersions = 0;
        for (String key : extractManifests) {
            for (BatchManifest.Entry entry : manifest(ingest, key).objects()) {
                String csv = ingest.read("processed/" + entry.key());
                assertThat(csv.lines().count() - 1).as(entry.key()).isEqualTo(entry.rows());
                salesOrderVersions += entry.table().equals("sales_order") ? entry.rows() : 0;
            }
        }
        long salesOrderFacts = 0;
        for (String key : transformManifests) {
            BatchManifest manifest = manifest(processed, key);
            assertThat(manifest.quarantined()).isEmpty();
            for (BatchManifest.Entry entry : manifest.objects()) {
                byte[] content = world.s3().getObjectAsBytes(request -> request
                        .bucket(EmbeddedWorld.PROCESSED_BUCKET).key(LakeLayout.located(entry.key()))).asByteArray();
                assertThat(content).hasSize((int) entry.bytes());
                assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content)))
                        .isEqualTo(entry.sha256());
                Path folder = DuckDb.download(world.s3(), EmbeddedWorld.PROCESSED_BUCKET,
                        List.of(LakeLayout.located(entry.key())));
                assertThat(DuckDb.query("SELECT count(*) FROM " + DuckDb.parquet(folder)))
                        .as(entry.key()).containsExactly(String.valueOf(entry.rows()));
                salesOrderFacts += entry.table().equals("fact_sales_order") ? entry.rows() : 0;
            }
        }
        assertThat(salesOrderFacts).as("one fact row per sales order version").isEqualTo(salesOrderVersions);
    }

    @Test
    void aRedeliveredBatchAddsNoParquet() throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 22).seed(0.01);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        List<String> parquetBefore = processed.keys("");

        putBackIntoInput();
        PipelineStages.run(producer, PipelineStage.TRANSFORM);

        assertThat(processed.keys("")).isEqualTo(parquetBefore);
        assertThat(ingest.keys("input/")).isEmpty();
    }

    @Test
    void aBatchWhoseCommitsFailAfterItsManifestIsLoadedAndCommittedOnceWhenTheCatalogIsBack() throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 23).seed(0.01);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        try (CapturedLog log = CapturedLog.ofEverything()) {
            failTheCommits();
            assertThat(log.lines()).as("the failure's line names the catalog and what its server said")
                    .anyMatch(
                            line -> line.contains("transform-pending failed: the Iceberg catalog in the warehouse at ")
                                    && line.contains("the test refuses Iceberg commits"));
        }
        String transformManifest = processed.keys("input/_manifests/").get(0);
        BatchManifest first = manifest(processed, transformManifest);
        assertThat(ingest.keys("input/_manifests/")).as("the extract batch still waits").hasSize(1);
        PipelineStages.run(producer, PipelineStage.LOAD);

        PipelineStages.run(producer, PipelineStage.TRANSFORM);

        assertThat(ingest.keys("input/")).as("archived once committed").isEmpty();
        assertThat(processed.keys(LakeLayout.TABLES + "/")).filteredOn(key -> key.endsWith(".parquet"))
                .as("the data files the manifest names, written once")
                .containsExactlyInAnyOrderElementsOf(first.objects().stream().map(BatchManifest.Entry::key).toList());
        try (IcebergTables tables = new IcebergTables(world)) {
            for (WarehouseTable table : WarehouseTable.values()) {
                assertThat(tables.batches(table)).as("%s: committed once", table.tableName())
                        .containsExactly(first.batchId());
            }
        }
        IcebergTables.assertEqualTheWarehouse(world);
    }

    @Test
    void aDataFileDamagedOrLostBeforeItsCommitLeavesItsTableOfTheBatchOutOfTheLakeAsOfTheWarehouse()
            throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 24).seed(0.01);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        failTheCommits();
        BatchManifest batch = manifest(processed, processed.keys("input/_manifests/").get(0));
        String damaged = firstFileOf(batch, WarehouseTable.FACT_PAYMENT);
        String lost = firstFileOf(batch, WarehouseTable.FACT_PURCHASE_ORDER);
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.PROCESSED_BUCKET).key(damaged),
                RequestBody.fromString("not Parquet any more"));
        world.s3().deleteObject(request -> request.bucket(EmbeddedWorld.PROCESSED_BUCKET).key(lost));
        PipelineStages.run(producer, PipelineStage.LOAD);

        try (CapturedLog log = CapturedLog.ofEverything()) {
            PipelineStages.run(producer, PipelineStage.TRANSFORM);
            assertThat(log.lines()).as("one line for each table left out, naming its file and what to do")
                    .anySatisfy(line -> assertThat(line).contains("fact_payment", damaged, "reextract"))
                    .anySatisfy(line -> assertThat(line).contains("fact_purchase_order", lost, "reextract"));
        }

        assertThat(ingest.keys("input/")).as("the batch goes on: archived").isEmpty();
        try (IcebergTables tables = new IcebergTables(world)) {
            assertThat(tables.batches(WarehouseTable.FACT_PAYMENT)).isEmpty();
            assertThat(tables.batches(WarehouseTable.FACT_PURCHASE_ORDER)).isEmpty();
            assertThat(tables.batches(WarehouseTable.FACT_SALES_ORDER)).containsExactly(batch.batchId());
        }
        IcebergTables.assertEqualTheWarehouse(world);
    }

    /** Runs the transform with the Iceberg catalog refusing commits: the batch's manifest is written, its commits fail. */
    private void failTheCommits() {
        IcebergTables.withTheCatalogRefusingCommits(world, () -> {
            Exchange run = producer.send(PipelineStage.TRANSFORM.endpointUri(), exchange -> {
            });
            assertThat(BatchFailure.of(run)).as("the catalog refusing them, the commits fail").isNotNull();
        });
    }

    private static String firstFileOf(BatchManifest batch, WarehouseTable table) {
        return batch.objects().stream().filter(entry -> entry.table().equals(table.tableName()))
                .map(BatchManifest.Entry::key).findFirst().orElseThrow();
    }

    /** Moves every consumed extract object back under input/, as a redelivery would present it. */
    private void putBackIntoInput() {
        for (String key : ingest.keys("processed/")) {
            String back = "input/" + key.substring("processed/".length());
            world.s3().copyObject(request -> request.sourceBucket(EmbeddedWorld.INGEST_BUCKET).sourceKey(key)
                    .destinationBucket(EmbeddedWorld.INGEST_BUCKET).destinationKey(back));
            world.s3().deleteObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET).key(key));
        }
    }

    private BatchManifest manifest(LakeContents bucket, String key) throws Exception {
        return json.readValue(bucket.read(key), BatchManifest.class);
    }
}
