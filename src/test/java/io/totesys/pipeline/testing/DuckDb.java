package io.totesys.pipeline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import software.amazon.awssdk.services.s3.S3Client;

/**
 * DuckDB, an engine independent of the pipeline, reading Parquet objects from the lake:
 * what a user's tools see.
 */
public final class DuckDb {

    private DuckDb() {
    }

    /** Downloads objects to a temporary folder and returns the folder. */
    public static Path download(S3Client s3, String bucket, List<String> keys) {
        try {
            Path folder = Files.createTempDirectory(Path.of("target"), "parquet-");
            int index = 0;
            for (String key : keys) {
                Path file = folder.resolve("object-" + index++ + ".parquet");
                s3.getObject(request -> request.bucket(bucket).key(key), file);
            }
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Runs a query and returns each row as its values rendered as text, joined by {@code |}. */
    public static List<String> query(String sql) {
        try (Connection connection = DriverManager.getConnection("jdbc:duckdb:");
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            ResultSetMetaData metadata = result.getMetaData();
            List<String> rows = new ArrayList<>();
            while (result.next()) {
                List<String> values = new ArrayList<>();
                for (int column = 1; column <= metadata.getColumnCount(); column++) {
                    values.add(result.getString(column));
                }
                rows.add(String.join("|", values));
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException("DuckDB failed: " + e.getMessage(), e);
        }
    }

    /** The SQL source that reads every Parquet file of a folder. */
    public static String parquet(Path folder) {
        return "read_parquet('" + folder.toAbsolutePath() + "/*.parquet')";
    }
}
