package io.totesys.pipeline.lake;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.world.ObjectStoreServer;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What a stage's poll asks of S3 when the lake is large (issue 25, point 8): a bucket whose
 * {@code input/} holds 100,000 objects (20,000 batches waiting, a manifest and four objects
 * each, as a stage stopped for a day at a poll a second would leave them). A poll lists one
 * page of the waiting manifests, oldest first, whatever waits; quarantining one untrusted
 * manifest lists the objects of its own batch, not every key under {@code input/}. The objects
 * are written as s3proxy's file store keeps them (a file per key), which takes seconds where
 * 100,000 PUTs take minutes; s3proxy lists and reads them as any object.
 */
@ServerBacked
class LakeListingCostTest {

    private static final String BUCKET = "totesys-growth";
    private static final int BATCHES = 20_000;
    private static final List<String> TABLES = List.of("sales_order", "payment", "transaction");

    @TempDir
    static Path directory;

    private static ObjectStoreServer server;
    private static final Map<String, AtomicInteger> REQUESTS = new ConcurrentHashMap<>();
    private static S3Client s3;
    private static LakeBatches lake;

    @BeforeAll
    static void aLakeOf100000Objects() throws IOException {
        Path data = directory.resolve("s3");
        Path bucket = data.resolve(BUCKET);
        for (int n = 0; n < BATCHES; n++) {
            BatchId batch = batch(n);
            write(bucket, LakeLayout.input(LakeLayout.manifestKey(batch)), "{\"batchId\":\"" + batch + "\"}");
            for (String table : TABLES) {
                write(bucket, LakeLayout.input(LakeLayout.dataKey(table, batch, "csv")), "\"id\"\r\n\"1\"\r\n");
            }
            write(bucket, LakeLayout.input(LakeLayout.deletionsKey("sales_order", batch)), "\"id\"\r\n");
        }
        server = ObjectStoreServer.start(0, data, BUCKET);
        s3 = server.clientBuilder()
                .overrideConfiguration(
                        configuration -> configuration.addExecutionInterceptor(new ExecutionInterceptor() {
                            @Override
                            public void beforeExecution(Context.BeforeExecution context,
                                    ExecutionAttributes attributes) {
                                REQUESTS.computeIfAbsent(
                                        context.request().getClass().getSimpleName().replace("Request", ""),
                                        any -> new AtomicInteger()).incrementAndGet();
                            }
                        }))
                .build();
        lake = new LakeBatches(new LakeObjects(s3, BUCKET), new ObjectMapper(), 1 << 20);
    }

    /** The n-th batch waiting, a second after the one before. */
    private static BatchId batch(int n) {
        String instant = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmssSSS'Z'").withZone(ZoneOffset.UTC)
                .format(Instant.parse("2026-11-20T00:00:00Z").plusSeconds(n));
        return new BatchId(instant + "-%06x".formatted(n));
    }

    private static void write(Path bucket, String key, String content) throws IOException {
        Path file = bucket.resolve(key);
        Files.createDirectories(file.getParent());
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        Files.write(file, bytes);
        // the file store reads an object's MD5 (its ETag) from the file's extended attributes
        try {
            Files.getFileAttributeView(file, UserDefinedFileAttributeView.class).write("user.content-md5",
                    ByteBuffer.wrap(MessageDigest.getInstance("MD5").digest(bytes)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @AfterAll
    static void stop() {
        if (s3 != null) {
            s3.close();
        }
        if (server != null) {
            server.stop();
        }
    }

    @BeforeEach
    void countAfresh() {
        REQUESTS.clear();
    }

    @Test
    void aPollListsOnePageOfWaitingManifestsOldestFirstWhateverWaits() {
        long started = System.nanoTime();
        List<String> pending = lake.pendingManifests();
        System.out.printf("a poll: %s, %d ms, %d manifests%n", REQUESTS, (System.nanoTime() - started) / 1_000_000,
                pending.size());

        assertThat(REQUESTS.get("ListObjectsV2")).as("list requests of one poll, %s", REQUESTS).hasValue(1);
        assertThat(pending).as("manifests one poll takes").hasSizeBetween(1, 1000);
        assertThat(pending.get(0)).as("the oldest batch first").endsWith("20261120T000000000Z-000000.json");
        assertThat(pending).isSorted();
    }

    @Test
    void quarantiningAManifestListsItsOwnBatchOnly() {
        BatchId batch = batch(BATCHES / 2);

        long started = System.nanoTime();
        List<String> moved = lake.quarantineManifest(LakeLayout.input(LakeLayout.manifestKey(batch)), "a test");
        System.out.printf("quarantining a manifest: %s, %d ms%n", REQUESTS, (System.nanoTime() - started) / 1_000_000);

        assertThat(moved).as("the batch's objects").containsExactlyInAnyOrder(
                LakeLayout.dataKey("sales_order", batch, "csv"), LakeLayout.dataKey("payment", batch, "csv"),
                LakeLayout.dataKey("transaction", batch, "csv"), LakeLayout.deletionsKey("sales_order", batch));
        assertThat(REQUESTS.get("ListObjectsV2").get()).as("list requests to quarantine one manifest, %s", REQUESTS)
                .isLessThanOrEqualTo(3 + 2 * TABLES.size() + 2);
    }
}
