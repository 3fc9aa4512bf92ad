package io.totesys.pipeline.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import jakarta.inject.Inject;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.camel.ProducerTemplate;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.FreshChanges;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.StarSchemaFromToteSys;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Manifests that cannot be trusted, older than a real batch so that they come first, are
 * quarantined with the objects of their batch and a report, and each stage goes on to the
 * real batch: a manifest that is not JSON, one larger than ETL_MAX_MANIFEST_SIZE, one
 * without its batch id, one without its object list, one naming a key without an extension,
 * one with a malformed high-water mark, one naming another batch's object, one naming a table
 * the ToteSys catalogue lacks, one whose deletions name another batch's object, one listing a
 * table's deletions twice; Parquet manifests that are not JSON, name a table the star schema
 * lacks, or list a part twice. Each of these batches is recorded as quarantined whole
 * ({@code pipeline.quarantined_batch}). No table name from a manifest becomes a metric label. A
 * Parquet object that passes its checksum but has a column of the wrong type is quarantined too.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class DamagedManifestTest {

    private static final String HIGH_WATER = "2026-01-01 00:00:00.000";

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    @Inject
    MeterRegistry metrics;

    @TempDir
    Path temporary;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private final LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @Test
    void untrustedManifestsAreQuarantinedAndTheStagesGoOn() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 47);
        simulator.seed(0.01);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        String realManifestKey = ingest.keys("input/_manifests/").get(0);
        BatchManifest real = json.readValue(ingest.read(realManifestKey), BatchManifest.class);
        BatchManifest.Entry realSalesOrder = real.objects().stream()
                .filter(entry -> entry.table().equals("sales_order")).findFirst().orElseThrow();

        BatchId notJson = badBatch(1);
        BatchId tooLarge = badBatch(2);
        BatchId noBatchId = badBatch(3);
        BatchId noObjects = badBatch(4);
        BatchId noExtension = badBatch(5);
        BatchId badHighWater = badBatch(6);
        BatchId otherBatch = badBatch(7);
        putManifest(EmbeddedWorld.INGEST_BUCKET, notJson, "{".getBytes(StandardCharsets.UTF_8));
        putManifest(EmbeddedWorld.INGEST_BUCKET, tooLarge, ("{\"batchId\":\"" + tooLarge + "\"" + " ".repeat(5 << 20)
                + "}").getBytes(StandardCharsets.UTF_8));
        putManifest(EmbeddedWorld.INGEST_BUCKET, noBatchId, json.writeValueAsBytes(Map.of("stage", "extract",
                "objects", List.of())));
        String strayCsv = "input/" + LakeLayout.dataKey("currency", noObjects, "csv");
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET).key(strayCsv),
                RequestBody.fromString("\"currency_id\"\r\n"));
        putManifest(EmbeddedWorld.INGEST_BUCKET, noObjects, json.writeValueAsBytes(Map.of("batchId",
                noObjects.value(), "stage", "extract")));
        putManifest(EmbeddedWorld.INGEST_BUCKET, noExtension, manifest(noExtension, HIGH_WATER,
                new BatchManifest.Entry("currency", "currency/date=" + noExtension.date() + "/" + noExtension, 1, 10,
                        "0".repeat(64), null)));
        putManifest(EmbeddedWorld.INGEST_BUCKET, badHighWater, manifest(badHighWater, "yesterday"));
        putManifest(EmbeddedWorld.INGEST_BUCKET, otherBatch, manifest(otherBatch, HIGH_WATER, realSalesOrder));
        BatchId unknownTable = badBatch(9);
        putManifest(EmbeddedWorld.INGEST_BUCKET, unknownTable, manifest(unknownTable, HIGH_WATER,
                new BatchManifest.Entry("widget", LakeLayout.dataKey("widget", unknownTable, "csv"), 1, 10,
                        "0".repeat(64), null)));
        BatchId otherDeletions = badBatch(10);
        putManifest(EmbeddedWorld.INGEST_BUCKET, otherDeletions, manifestWithDeletions(otherDeletions,
                new BatchManifest.Entry("sales_order", realSalesOrder.key(), 1, 10, "0".repeat(64), null)));
        BatchId deletionsTwice = badBatch(11);
        BatchManifest.Entry paymentDeletions = new BatchManifest.Entry("payment",
                LakeLayout.deletionsKey("payment", deletionsTwice), 1, 10, "0".repeat(64), null);
        putManifest(EmbeddedWorld.INGEST_BUCKET, deletionsTwice, manifestWithDeletions(deletionsTwice,
                paymentDeletions, paymentDeletions));
        double manifestsQuarantinedBefore = quarantinedManifests("transform");

        PipelineStages.run(producer, PipelineStage.TRANSFORM);

        assertManifestQuarantined(ingest, notJson, "it is not a batch manifest");
        assertManifestQuarantined(ingest, tooLarge, "larger than ETL_MAX_MANIFEST_SIZE (4194304 bytes)");
        assertManifestQuarantined(ingest, noBatchId, "it has no batchId");
        assertManifestQuarantined(ingest, noObjects, "it has no objects list");
        assertThat(ingest.keys("quarantine/currency/")).as("the stray object of the batch")
                .containsExactly("quarantine/" + LakeLayout.dataKey("currency", noObjects, "csv"));
        assertManifestQuarantined(ingest, noExtension, "has no extension");
        assertManifestQuarantined(ingest, badHighWater, "its highWater 'yesterday' is not");
        assertManifestQuarantined(ingest, otherBatch, "is not in batch " + otherBatch);
        assertManifestQuarantined(ingest, unknownTable, "it names the table 'widget', which is not in the ToteSys "
                + "catalogue");
        assertManifestQuarantined(ingest, otherDeletions, "the object key '" + realSalesOrder.key()
                + "' is not in batch " + otherDeletions + "'s place for _deletions/sales_order");
        assertManifestQuarantined(ingest, deletionsTwice, "it lists the deletions object "
                + LakeLayout.deletionsKey("payment", deletionsTwice) + " twice");
        assertThat(quarantinedManifests("transform") - manifestsQuarantinedBefore).as("manifests counted")
                .isEqualTo(10);
        assertThat(metrics.find("pipeline.quarantined.objects").tag("table", "widget").counter())
                .as("a table name from a manifest is no metric label").isNull();
        assertThat(ingest.keys("input/")).as("left under input/").isEmpty();
        assertThat(ingest.keys("processed/" + realSalesOrder.key()))
                .as("the real batch's object another manifest named").hasSize(1);
        String parquetManifestKey = "input/" + LakeLayout.manifestKey(new BatchId(real.batchId()));
        assertThat(processed.keys(parquetManifestKey)).as("the real batch transformed").hasSize(1);

        BatchId parquetNotJson = badBatch(8);
        putManifest(EmbeddedWorld.PROCESSED_BUCKET, parquetNotJson, "not json".getBytes(StandardCharsets.UTF_8));
        BatchId parquetUnknownTable = badBatch(12);
        putManifest(EmbeddedWorld.PROCESSED_BUCKET, parquetUnknownTable, parquetManifest(parquetUnknownTable,
                new BatchManifest.Entry("sales_order", LakeLayout.partKey("sales_order", parquetUnknownTable, 1,
                        "parquet"), 1, 10, "0".repeat(64), null)));
        BatchId partTwice = badBatch(13);
        BatchManifest.Entry part = new BatchManifest.Entry("dim_staff", LakeLayout.partKey("dim_staff", partTwice,
                1, "parquet"), 1, 10, "0".repeat(64), null);
        putManifest(EmbeddedWorld.PROCESSED_BUCKET, partTwice, parquetManifest(partTwice, part, part));
        String currency = replaceWithWrongColumnType(parquetManifestKey);

        PipelineStages.run(producer, PipelineStage.LOAD);

        assertManifestQuarantined(processed, parquetNotJson, "it is not a batch manifest");
        assertManifestQuarantined(processed, parquetUnknownTable, "it names the table 'sales_order', which is not "
                + "in the star schema");
        assertManifestQuarantined(processed, partTwice, "it lists the object " + part.key() + " twice");
        JsonNode report = json.readTree(processed.read(LakeLayout.quarantine(LakeLayout.quarantineReportKey(
                currency))));
        assertThat(report.get("object").get("problem").asText())
                .contains("it does not fit dim_currency: its column currency_id is \"string\"");
        assertThat(processed.keys(currency)).as("an Iceberg table's data file stays where its table keeps it")
                .hasSize(1);
        assertThat(processed.keys("input/")).as("left under input/").isEmpty();
        assertThat(SqlRows.column(world.databases().warehouse(), "SELECT stage || ' ' || batch_id FROM "
                + "pipeline.quarantined_batch WHERE replayed_at IS NULL ORDER BY batch_id"))
                .as("the batches quarantined whole").hasSize(13)
                .contains("transform " + notJson, "transform " + deletionsTwice, "load " + parquetNotJson,
                        "load " + partTwice);
        for (WarehouseTable table : List.of(WarehouseTable.FACT_PURCHASE_ORDER, WarehouseTable.DIM_STAFF,
                WarehouseTable.DIM_LOCATION)) {
            assertThat(StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(), table))
                    .as(table.tableName() + " loads")
                    .isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
        }

        FreshChanges.reachTheWarehouse(world, producer, simulator);
    }

    private static BatchId badBatch(int second) {
        return BatchId.startingAt(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(second));
    }

    private byte[] manifest(BatchId batch, String highWater, BatchManifest.Entry... objects) throws Exception {
        return json.writeValueAsBytes(BatchManifest.extract(batch, Instant.now(), highWater)
                .objects(List.of(objects)).build());
    }

    private byte[] manifestWithDeletions(BatchId batch, BatchManifest.Entry... deletions) throws Exception {
        return json.writeValueAsBytes(BatchManifest.extract(batch, Instant.now(), HIGH_WATER)
                .deletions(List.of(deletions)).build());
    }

    private byte[] parquetManifest(BatchId batch, BatchManifest.Entry... objects) throws Exception {
        return json.writeValueAsBytes(BatchManifest.transform(batch, Instant.now(), HIGH_WATER)
                .objects(List.of(objects)).build());
    }

    private double quarantinedManifests(String stage) {
        Counter counter = metrics.find("pipeline.quarantined.objects")
                .tags("stage", stage, "table", LakeLayout.MANIFESTS).counter();
        return counter == null ? 0 : counter.count();
    }

    private void putManifest(String bucket, BatchId batch, byte[] content) {
        world.s3().putObject(request -> request.bucket(bucket).key("input/" + LakeLayout.manifestKey(batch)),
                RequestBody.fromBytes(content));
    }

    private void assertManifestQuarantined(LakeContents lake, BatchId batch, String problem) throws Exception {
        String relative = LakeLayout.manifestKey(batch);
        assertThat(lake.keys(LakeLayout.quarantine(relative))).containsExactly(LakeLayout.quarantine(relative));
        JsonNode report = json.readTree(lake.read(LakeLayout.quarantine(LakeLayout.quarantineReportKey(relative))));
        assertThat(report.get("batchId").asText()).isEqualTo(batch.value());
        assertThat(report.get("object").get("key").asText()).isEqualTo(relative);
        assertThat(report.get("object").get("problem").asText()).contains(problem);
    }

    /**
     * Replaces the batch's dim_currency object with a Parquet object whose currency_id is
     * text, and gives its manifest entry the new object's true size, SHA-256 and rows; says
     * the object's key.
     */
    private String replaceWithWrongColumnType(String parquetManifestKey) throws Exception {
        BatchManifest manifest = json.readValue(processed.read(parquetManifestKey), BatchManifest.class);
        BatchManifest.Entry currency = manifest.objects().stream()
                .filter(entry -> entry.table().equals("dim_currency")).findFirst().orElseThrow();
        Schema schema = SchemaBuilder.record("dim_currency").fields()
                .requiredString("currency_id").requiredString("currency_code").requiredString("currency_name")
                .endRecord();
        Path file = temporary.resolve("dim_currency.parquet");
        try (ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withSchema(schema).withDataModel(GenericData.get()).build()) {
            GenericRecord row = new GenericData.Record(schema);
            row.put("currency_id", "one");
            row.put("currency_code", "GBP");
            row.put("currency_name", "British pound");
            writer.write(row);
        }
        byte[] content = Files.readAllBytes(file);
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.PROCESSED_BUCKET)
                .key(LakeLayout.located(currency.key())), RequestBody.fromBytes(content));
        List<BatchManifest.Entry> entries = manifest.objects().stream()
                .map(entry -> entry != currency ? entry
                        : new BatchManifest.Entry(entry.table(), entry.key(), 1, content.length,
                                ObjectDescription.sha256(content), null))
                .toList();
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.PROCESSED_BUCKET).key(parquetManifestKey),
                RequestBody.fromBytes(json.writeValueAsBytes(manifest.withObjects(entries))));
        return currency.key();
    }
}
