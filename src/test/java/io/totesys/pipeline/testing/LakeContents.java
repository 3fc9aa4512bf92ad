package io.totesys.pipeline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;

import io.totesys.pipeline.source.SourceTable;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/** What a lake bucket holds, read back through the S3 API as a user would. */
public final class LakeContents {

    private final S3Client s3;
    private final String bucket;

    public LakeContents(S3Client s3, String bucket) {
        this.s3 = s3;
        this.bucket = bucket;
    }

    /** Every key in the bucket under a prefix, sorted. */
    public List<String> keys(String prefix) {
        return s3.listObjectsV2Paginator(request -> request.bucket(bucket).prefix(prefix)).contents().stream()
                .map(S3Object::key)
                .sorted()
                .toList();
    }

    public String read(String key) {
        return s3.getObjectAsBytes(request -> request.bucket(bucket).key(key)).asString(StandardCharsets.UTF_8);
    }

    public byte[] readBytes(String key) {
        return s3.getObjectAsBytes(request -> request.bucket(bucket).key(key)).asByteArray();
    }

    /**
     * Every row version the extract stage wrote to this (ingest) bucket, as
     * {@code table id last_updated}, wherever the object is now (input/ or processed/),
     * duplicates kept.
     */
    public List<String> extractedRowVersions() {
        List<String> rows = new ArrayList<>();
        for (String key : keys("")) {
            if (key.endsWith(".csv") && !key.startsWith("quarantine/")) {
                String relative = key.substring(key.indexOf('/') + 1);
                String table = relative.substring(0, relative.indexOf('/'));
                int lastUpdated = SourceTable.byTableName(table).orElseThrow().columnIndex("last_updated");
                try (CSVParser parser = CSVParser.parse(read(key), CSVFormat.DEFAULT)) {
                    parser.stream().skip(1).forEach(record -> rows.add(table + " " + record.get(0) + " "
                            + record.get(lastUpdated)));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
        return rows.stream().sorted().toList();
    }

    /** Removes every object, one at a time (s3proxy does not take multi-object deletes). */
    public void clear() {
        for (String key : keys("")) {
            s3.deleteObject(request -> request.bucket(bucket).key(key));
        }
    }
}
