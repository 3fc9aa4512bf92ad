package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.totesys.pipeline.lake.LakeLayout;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The data objects that the manifests of one bucket list, wherever their batches are now
 * ({@code input/} or {@code processed/}): how many rows and bytes a stage wrote.
 */
final class LakeManifests {

    /** One data object as its manifest lists it, with the key it has now. */
    record LakeObject(String table, String key, long rows, long bytes) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private LakeManifests() {
    }

    /**
     * The objects of every consumed batch of a bucket: their manifests are under
     * {@code processed/}, and so are their objects, but the Iceberg tables' data files.
     */
    static List<LakeObject> processedObjects(S3Client s3, String bucket) {
        List<LakeObject> objects = new ArrayList<>();
        for (S3Object manifest : s3.listObjectsV2Paginator(request -> request.bucket(bucket)
                .prefix("processed/_manifests/")).contents()) {
            try (InputStream content = s3.getObject(request -> request.bucket(bucket).key(manifest.key()))) {
                for (JsonNode entry : JSON.readTree(content).path("objects")) {
                    String key = entry.path("key").asText();
                    objects.add(new LakeObject(entry.path("table").asText(),
                            LakeLayout.isTableFile(key) ? key : LakeLayout.processed(key),
                            entry.path("rows").asLong(), entry.path("bytes").asLong()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + manifest.key() + " failed", e);
            }
        }
        return objects;
    }

    static long rows(List<LakeObject> objects) {
        return objects.stream().mapToLong(LakeObject::rows).sum();
    }

    static long bytes(List<LakeObject> objects) {
        return objects.stream().mapToLong(LakeObject::bytes).sum();
    }
}
