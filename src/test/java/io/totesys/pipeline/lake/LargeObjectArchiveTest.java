package io.totesys.pipeline.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import jakarta.inject.Inject;
import jakarta.inject.Named;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.FaultyLake;
import io.totesys.pipeline.testing.IcebergTables;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.LakeLimitsResource;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.StarSchemaFromToteSys;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.FaultyObjectStoreProxy;
import io.totesys.pipeline.world.ToteSysSimulator;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Archiving never asks S3 for a copy it refuses: S3 copies at most 5 GiB in one
 * {@code CopyObject}, so a larger object (a whole table) must move as a multipart copy
 * ({@code UploadPartCopy}). With the threshold lowered to 8 KiB, against s3proxy (which
 * does not refuse large single copies itself, so the requests are what is checked), every
 * object of a batch over it moves in parts, every other one in one copy, and each arrives
 * under {@code processed/} byte for byte as its manifest describes it. The objects move several
 * at a time, the manifest last, also when one of them cannot move.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(LakeLimitsResource.class)
class LargeObjectArchiveTest {

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    @Inject
    @Named("lakeS3Client")
    S3Client lakeClient;

    private final EmbeddedWorld world = TestWorld.get();
    private final FaultyObjectStoreProxy proxy = FaultyLake.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);

    @BeforeEach
    void emptyEverything() {
        proxy.clear();
        ToteSysFixture.reset(world);
    }

    @Test
    void objectsOverTheThresholdAreArchivedAsMultipartCopies() throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 73).seed(0.01);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        BatchManifest manifest = json.readValue(ingest.read(ingest.keys("input/_manifests/").get(0)),
                BatchManifest.class);
        int before = proxy.requests().size();

        PipelineStages.run(producer, PipelineStage.TRANSFORM);

        List<String> requests = proxy.requests().subList(before, proxy.requests().size()).stream()
                .map(request -> URLDecoder.decode(request, StandardCharsets.UTF_8)).toList();
        List<BatchManifest.Entry> large = manifest.objects().stream()
                .filter(entry -> entry.bytes() > LakeLimitsResource.COPY_THRESHOLD).toList();
        List<BatchManifest.Entry> small = manifest.objects().stream()
                .filter(entry -> entry.bytes() <= LakeLimitsResource.COPY_THRESHOLD).toList();
        List<String> wholeCopiesOfLarge = large.stream().map(entry -> copyRequest(entry))
                .filter(requests::contains).toList();
        List<String> partCopiesOfLarge = large.stream().filter(entry -> requests.stream()
                .anyMatch(request -> request.startsWith(copyRequest(entry) + "?") && request.contains("partNumber=1")))
                .map(BatchManifest.Entry::key).toList();
        System.out.printf("[archive] %d objects over %d bytes (largest %d): %d moved with one CopyObject, %d as "
                + "multipart copies; %d smaller ones%n", large.size(), LakeLimitsResource.COPY_THRESHOLD,
                large.stream().mapToLong(BatchManifest.Entry::bytes).max().orElse(0), wholeCopiesOfLarge.size(),
                partCopiesOfLarge.size(), small.size());
        assertThat(large).as("objects of the batch over the threshold").isNotEmpty();
        assertThat(small).as("objects of the batch up to the threshold").isNotEmpty();
        assertThat(wholeCopiesOfLarge).as("CopyObject requests for objects over the threshold").isEmpty();
        assertThat(partCopiesOfLarge).as("objects over the threshold copied in parts")
                .containsExactlyInAnyOrderElementsOf(large.stream().map(BatchManifest.Entry::key).toList());
        assertThat(small).allSatisfy(entry -> assertThat(requests).contains(copyRequest(entry)));
        for (BatchManifest.Entry entry : manifest.objects()) {
            byte[] archived = ingest.readBytes(LakeLayout.processed(entry.key()));
            assertThat(archived.length).as(entry.key()).isEqualTo(entry.bytes());
            assertThat(ObjectDescription.sha256(archived)).as(entry.key()).isEqualTo(entry.sha256());
        }
        assertThat(ingest.keys("input/")).isEmpty();

        PipelineStages.run(producer, PipelineStage.LOAD);
        for (WarehouseTable table : WarehouseTable.values()) {
            if (table != WarehouseTable.DIM_DATE) {
                assertThat(StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(), table))
                        .as(table.tableName()).isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
            }
        }
        IcebergTables.assertEqualTheWarehouse(world);
    }

    @Test
    void anObjectOfSeveralPartsMovesByteForByteAndAMoveRepeatedAfterItIsNoError() {
        byte[] content = new byte[(13 << 20) + 4321];
        new Random(11).nextBytes(content);
        String from = "input/archive-test/whole-table.csv";
        String to = "processed/archive-test/whole-table.csv";
        lakeClient.putObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET).key(from).contentType("text/csv"),
                RequestBody.fromBytes(content));
        LakeObjects lake = new LakeObjects(lakeClient, EmbeddedWorld.INGEST_BUCKET, LakeLimitsResource.COPY_THRESHOLD,
                5L << 20);
        int before = proxy.requests().size();

        lake.move(from, to, content.length);
        lake.move(from, to, content.length);

        List<String> parts = proxy.requests().subList(before, proxy.requests().size()).stream()
                .filter(request -> request.startsWith("PUT /" + EmbeddedWorld.INGEST_BUCKET + "/" + to + "?")
                        && request.contains("partNumber="))
                .toList();
        System.out.printf("[archive] a %d-byte object moved as %d part copies of 5 MiB at most%n", content.length,
                parts.size());
        assertThat(parts).as("part copies: 5 MiB, 5 MiB and the rest").hasSize(3);
        assertThat(ingest.readBytes(to)).isEqualTo(content);
        assertThat(lakeClient.headObject(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET).key(to))
                .contentType()).isEqualTo("text/csv");
        assertThat(lake.exists(from)).isFalse();
        lake.delete(to);
    }

    /**
     * The objects of a batch move several at a time, and its manifest only once they all have:
     * while S3 refuses to copy one of them, the transform fails, the extract manifest stays under
     * {@code input/} (the batch is not consumed), and the next run, S3 willing again, moves
     * every object and then the manifest.
     */
    @Test
    void aBatchWhoseObjectCannotMoveKeepsItsManifestUntilEveryObjectHasMoved() throws Exception {
        new ToteSysSimulator(world.totesysOwner(), 73).seed(0.01);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        String manifestKey = ingest.keys("input/_manifests/").get(0);
        BatchManifest manifest = json.readValue(ingest.read(manifestKey), BatchManifest.class);
        BatchManifest.Entry refused = manifest.objects().stream()
                .filter(entry -> entry.table().equals("sales_order")).findFirst().orElseThrow();
        proxy.inject(FaultyObjectStoreProxy.Fault.ACCESS_DENIED, "PUT",
                EmbeddedWorld.INGEST_BUCKET + "/" + LakeLayout.processed(refused.table() + "/"), 1_000);

        Throwable failure = BatchFailure.of(producer.send(PipelineStage.TRANSFORM.endpointUri(), exchange -> {
        }));

        assertThat(failure).as("the transform's failure").isNotNull()
                .hasStackTraceContaining("moving s3://" + EmbeddedWorld.INGEST_BUCKET + "/"
                        + LakeLayout.input(refused.key()));
        assertThat(proxy.injected()).as("refused copies").isPositive();
        assertThat(ingest.keys("input/_manifests/")).as("extract manifests waiting").containsExactly(manifestKey);
        assertThat(ingest.keys("input/")).as("objects waiting").contains(LakeLayout.input(refused.key()));

        proxy.clear();
        PipelineStages.run(producer, PipelineStage.TRANSFORM);

        assertThat(ingest.keys("input/")).as("objects and manifests waiting").isEmpty();
        for (BatchManifest.Entry entry : manifest.objects()) {
            assertThat(ObjectDescription.sha256(ingest.readBytes(LakeLayout.processed(entry.key()))))
                    .as(entry.key()).isEqualTo(entry.sha256());
        }
        assertThat(ingest.keys("processed/_manifests/")).as("archived manifests")
                .containsExactly(LakeLayout.processed(LakeLayout.relative(manifestKey)));
    }

    /** The request line of a copy to the object's key under {@code processed/}. */
    private static String copyRequest(BatchManifest.Entry entry) {
        return "PUT /" + EmbeddedWorld.INGEST_BUCKET + "/" + LakeLayout.processed(entry.key());
    }
}
