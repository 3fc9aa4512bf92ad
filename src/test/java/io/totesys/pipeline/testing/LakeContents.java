package io.totesys.pipeline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.apache.commons.csv.CSVParser;

import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.csv.ExtractedCsv;
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

    /**
     * The data files of a star schema table's Iceberg table that a transform wrote as a
     * batch's parts (not the copies that carry a dimension's rows over), committed or not.
     */
    public List<String> tableParts(String table) {
        return keys(io.totesys.pipeline.lake.LakeLayout.tableLocation(table) + "/data/").stream()
                .filter(key -> key.contains("-part-"))
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
        for (String key : extractObjectKeys(false)) {
            String table = tableOf(key);
            int lastUpdated = SourceTable.byTableName(table).orElseThrow().columnIndex("last_updated");
            records(key).forEach(record -> rows.add(table + " " + record.get(0) + " " + record.get(lastUpdated)));
        }
        return rows.stream().sorted().toList();
    }

    /**
     * Every row version the extract stage wrote to this (ingest) bucket, as the table name
     * and all the record's values, duplicates kept: an edit that kept its
     * {@code last_updated} is a version of its own here.
     */
    public List<String> extractedRecords() {
        List<String> rows = new ArrayList<>();
        for (String key : extractObjectKeys(false)) {
            String table = tableOf(key);
            records(key).forEach(record -> rows.add(table + " " + record));
        }
        return rows.stream().sorted().toList();
    }

    /** Every deletion the extract stage wrote to this (ingest) bucket, as {@code table id}, duplicates kept. */
    public List<String> extractedDeletions() {
        List<String> rows = new ArrayList<>();
        for (String key : extractObjectKeys(true)) {
            String table = tableOf(key);
            records(key).forEach(record -> rows.add(table + " " + record.get(0)));
        }
        return rows.stream().sorted().toList();
    }

    /** The keys of the extract stage's CSV objects, of row versions or of deletions, wherever they are now. */
    public List<String> extractObjectKeys(boolean deletions) {
        return keys("").stream()
                .filter(key -> key.endsWith(".csv") && !key.startsWith(LakeLayout.QUARANTINE))
                .filter(key -> LakeLayout.relative(key).startsWith(LakeLayout.DELETIONS + "/") == deletions)
                .toList();
    }

    /** The source table a CSV object of the extract stage holds rows or deletions of. */
    public static String tableOf(String key) {
        String relative = LakeLayout.relative(key);
        if (relative.startsWith(LakeLayout.DELETIONS + "/")) {
            relative = relative.substring(LakeLayout.DELETIONS.length() + 1);
        }
        String table = relative.substring(0, relative.indexOf('/'));
        return SourceTable.byTableName(table).orElseThrow().tableName();
    }

    /** The data records of a CSV object, header skipped, NULL as {@code null}. */
    public List<List<String>> records(String key) {
        try (CSVParser parser = CSVParser.parse(read(key), ExtractedCsv.FORMAT)) {
            return parser.stream().skip(1).map(record -> record.stream().toList()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Removes one object, as if it had never been written. */
    public void delete(String key) {
        s3.deleteObject(request -> request.bucket(bucket).key(key));
    }

    /** Removes every object, one at a time (s3proxy does not take multi-object deletes). */
    public void clear() {
        for (String key : keys("")) {
            s3.deleteObject(request -> request.bucket(bucket).key(key));
        }
    }
}
