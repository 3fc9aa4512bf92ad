package io.totesys.pipeline.iceberg;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeBatches;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.LakeObjects;
import io.totesys.pipeline.lake.MissingLakeObjectException;
import io.totesys.pipeline.starschema.LakeTable;
import io.totesys.pipeline.starschema.ParquetPartReader;
import io.totesys.pipeline.starschema.ParquetPartWriter;
import io.totesys.pipeline.starschema.TransformSettings;

/**
 * The data files of the Iceberg tables in the processed bucket, as the commits write and read
 * them themselves (the transform writes a batch's parts as they stream): a dimension's file
 * written again without the members a batch replaces, an earlier release's part written again
 * as a table's file; and where each is, as a table lists it ({@code s3://<bucket>/<key>}).
 */
@ApplicationScoped
class TableFiles {

    private final LakeObjects processed;
    private final ParquetPartWriter writer;
    private final IcebergFieldIds fieldIds;

    TableFiles(@Named("processedBatches") LakeBatches processed, TransformSettings settings,
            IcebergFieldIds fieldIds) {
        this.processed = processed.objects();
        this.writer = new ParquetPartWriter(settings.parquetCodec());
        this.fieldIds = fieldIds;
    }

    /**
     * A data file written.
     *
     * @param key where it is in the processed bucket
     * @param bytes its size
     * @param rows how many rows it holds
     * @param footer its footer, whose statistics the table keeps
     * @param keys for a dimension's small file, the keys of the members it holds; empty when the
     *        writer did not record them
     */
    record Written(String key, long bytes, long rows, ParquetMetadata footer, Optional<Set<Object>> keys) {

        /** The file as the batch's summary and manifest list it. */
        BatchManifest.Entry entry(LakeTable table) {
            return new BatchManifest.Entry(table.table().tableName(), key, rows, bytes, null, null);
        }
    }

    /**
     * Writes rows as a data file of a table, with the table's columns now and their field ids,
     * named for the batch whose rows they are, the run that writes it and what it is
     * ({@link LakeLayout#tableFileKey}).
     */
    Written write(LakeTable table, BatchId batch, String attempt, String kind, int number,
            List<GenericRecord> rows) {
        String key = LakeLayout.tableFileKey(table.name(), batch, attempt, kind, number);
        Schema schema = table.avroSchema();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ParquetPartWriter.WrittenPart written;
        try {
            written = writer.write(rows.stream().map(row -> ParquetPartReader.inSchema(row, schema)).iterator(),
                    table.table(), schema, fieldIds.of(table), bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + location(key) + " failed: " + e.getMessage(), e);
        }
        processed.write(key, bytes.toByteArray(), ParquetPartWriter.CONTENT_TYPE);
        return new Written(key, bytes.size(), written.rows(), written.footer(), written.keys());
    }

    /**
     * Every row of the file at {@code key}, as the Avro records it was written from.
     *
     * @throws MissingLakeObjectException when there is no such file
     */
    List<GenericRecord> rows(String key) {
        return ParquetPartReader.rows(key, content(key));
    }

    /**
     * The keys of the members a dimension's file (or deletions object) at {@code key} holds:
     * those its writer recorded, or else its first column, read from the file.
     */
    Set<Object> keys(String key, Optional<Set<Object>> recorded) {
        return recorded.orElseGet(() -> keys(key));
    }

    /** The keys of the members a dimension's file (or deletions object) at {@code key} holds: its first column. */
    Set<Object> keys(String key) {
        Set<Object> keys = new HashSet<>();
        for (GenericRecord row : rows(key)) {
            keys.add(row.get(0));
        }
        return keys;
    }

    /** The footer of the file at {@code key}: its row groups and their columns' statistics. */
    ParquetMetadata footer(String key) {
        return ParquetPartReader.footer(key, content(key));
    }

    /** Where a file of the processed bucket is, as its table lists it. */
    String location(String key) {
        return "s3://" + processed.bucket() + "/" + key;
    }

    /** The key of a file a table lists, in the processed bucket. */
    String key(String location) {
        String prefix = "s3://" + processed.bucket() + "/";
        if (!location.startsWith(prefix)) {
            throw new IllegalStateException(location + " is not in the processed bucket s3://" + processed.bucket());
        }
        return location.substring(prefix.length());
    }

    private byte[] content(String key) {
        try (InputStream content = processed.read(key)) {
            return content.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + location(key) + " failed: " + e.getMessage(), e);
        }
    }
}
