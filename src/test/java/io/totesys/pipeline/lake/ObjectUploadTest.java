package io.totesys.pipeline.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.world.EmbeddedWorld;

/**
 * An object written as its bytes are made, against a real S3 server: small ones in one
 * request, large ones as a multipart upload, described (size, SHA-256) as written, and
 * nothing left behind when one is given up.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class ObjectUploadTest {

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeObjects lake = new LakeObjects(world.s3(), EmbeddedWorld.INGEST_BUCKET);

    @Test
    void aLargeObjectGoesUpInPartsAndIsDescribedAsWritten() {
        byte[] content = new byte[2 * ObjectUpload.PART_SIZE + 12_345];
        new Random(7).nextBytes(content);
        AtomicInteger announced = new AtomicInteger();

        ObjectUpload upload = lake.upload("input/upload-test/large.csv", "text/csv", announced::incrementAndGet);
        for (int offset = 0; offset < content.length; offset += 1000) {
            upload.write(content, offset, Math.min(1000, content.length - offset));
        }
        assertThat(announced).as("announced once, before the first part").hasValue(1);
        ObjectDescription description = upload.finish();

        byte[] stored = world.s3().getObjectAsBytes(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET)
                .key("input/upload-test/large.csv")).asByteArray();
        assertThat(stored).isEqualTo(content);
        assertThat(description.bytes()).isEqualTo(content.length);
        assertThat(description.sha256()).isEqualTo(ObjectDescription.sha256(content));
        assertThat(announced).hasValue(1);
        lake.delete("input/upload-test/large.csv");
    }

    @Test
    void aSmallObjectIsOneRequestAndNothingIsSentBeforeItIsFinished() {
        AtomicInteger announced = new AtomicInteger();
        ObjectUpload upload = lake.upload("input/upload-test/small.csv", "text/csv", announced::incrementAndGet);
        upload.write("\"a\",\"b\"\r\n".getBytes(java.nio.charset.StandardCharsets.UTF_8), 0, 9);
        assertThat(announced).hasValue(0);
        assertThat(lake.exists("input/upload-test/small.csv")).isFalse();

        ObjectDescription description = upload.finish();

        assertThat(announced).hasValue(1);
        assertThat(description.bytes()).isEqualTo(9);
        assertThat(HexFormat.of().parseHex(description.sha256())).hasSize(32);
        assertThat(lake.exists("input/upload-test/small.csv")).isTrue();
        lake.delete("input/upload-test/small.csv");
    }

    @Test
    void anUploadGivenUpLeavesNoObjectAndNoParts() {
        byte[] content = new byte[ObjectUpload.PART_SIZE + 1];
        ObjectUpload upload = lake.upload("input/upload-test/abandoned.csv", "text/csv", () -> {
        });
        upload.write(content, 0, content.length);

        upload.abort();

        assertThat(lake.exists("input/upload-test/abandoned.csv")).isFalse();
        assertThat(world.s3().listMultipartUploads(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET))
                .uploads()).noneMatch(pending -> pending.key().equals("input/upload-test/abandoned.csv"));
    }
}
