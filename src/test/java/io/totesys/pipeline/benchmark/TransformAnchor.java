package io.totesys.pipeline.benchmark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import software.amazon.awssdk.services.s3.S3Client;

/**
 * The transform stage's anchor: DuckDB, a columnar engine written for this, converting the
 * same extract CSV objects to snappy Parquet files, from and to local disk (downloading them
 * is not timed).
 */
final class TransformAnchor {

    static final String NAME = "DuckDB CSV to Parquet";

    private TransformAnchor() {
    }

    static Throughput measure(S3Client s3, String bucket, List<LakeManifests.LakeObject> csvObjects, Path directory) {
        List<Path> files = new ArrayList<>();
        try {
            Files.createDirectories(directory);
            for (LakeManifests.LakeObject object : csvObjects) {
                Path file = directory.resolve(object.table() + "-" + files.size() + ".csv");
                Files.deleteIfExists(file);
                s3.getObject(request -> request.bucket(bucket).key(object.key()), file);
                files.add(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        long started = System.nanoTime();
        try (Connection duckDb = DriverManager.getConnection("jdbc:duckdb:");
                Statement statement = duckDb.createStatement()) {
            for (Path file : files) {
                statement.execute("COPY (SELECT * FROM read_csv('" + file.toAbsolutePath() + "', header = true)) TO '"
                        + file.toAbsolutePath() + ".parquet' (FORMAT parquet, COMPRESSION snappy)");
            }
        } catch (SQLException e) {
            throw new IllegalStateException("DuckDB failed: " + e.getMessage(), e);
        }
        return new Throughput(LakeManifests.rows(csvObjects), LakeManifests.bytes(csvObjects),
                Duration.ofNanos(System.nanoTime() - started));
    }
}
