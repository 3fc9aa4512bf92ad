package io.totesys.pipeline.iceberg;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.camel.dataformat.parquet.avro.ParquetInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

import io.totesys.pipeline.lake.LakeObjects;

/**
 * The rows of a star schema Parquet file in the processed bucket, read whole, as the Avro
 * records it was written from: a dimension's file a batch rewrites, a part of an earlier
 * release's batch.
 */
final class ParquetFiles {

    private static final Configuration HADOOP = new Configuration(false);

    private ParquetFiles() {
    }

    /** Every row of the object at {@code key}. */
    static List<GenericRecord> rows(LakeObjects bucket, String key) {
        byte[] parquet;
        try (InputStream content = bucket.read(key)) {
            parquet = content.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading s3://" + bucket.bucket() + "/" + key + " failed: " + e.getMessage(),
                    e);
        }
        List<GenericRecord> rows = new ArrayList<>();
        try (ParquetReader<GenericRecord> reader = AvroParquetReader
                .<GenericRecord>builder(new ParquetInputStream(key, parquet))
                .withDataModel(GenericData.get())
                .disableCompatibility()
                .withConf(HADOOP)
                .build()) {
            for (GenericRecord row = reader.read(); row != null; row = reader.read()) {
                rows.add(row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading s3://" + bucket.bucket() + "/" + key + " failed: " + e.getMessage(),
                    e);
        }
        return rows;
    }

    /** The footer of the object at {@code key}: its row groups and their columns' statistics. */
    static ParquetMetadata footer(LakeObjects bucket, String key) {
        try (InputStream content = bucket.read(key);
                ParquetFileReader reader = ParquetFileReader
                        .open(new ParquetInputStream(key, content.readAllBytes()))) {
            return reader.getFooter();
        } catch (IOException e) {
            throw new UncheckedIOException("reading the footer of s3://" + bucket.bucket() + "/" + key + " failed: "
                    + e.getMessage(), e);
        }
    }

    /**
     * A row read from a file written before columns were added to its table, with the table's
     * columns now: the added ones null.
     */
    static GenericRecord inSchema(GenericRecord row, Schema schema) {
        if (row.getSchema().equals(schema)) {
            return row;
        }
        GenericData.Record record = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
            Schema.Field found = row.getSchema().getField(field.name());
            record.put(field.pos(), found == null ? null : row.get(found.pos()));
        }
        return record;
    }
}
