package io.totesys.pipeline.starschema;

import java.io.IOException;
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

import io.totesys.pipeline.lake.InvalidLakeObjectException;

/**
 * Reads a star schema Parquet part held in memory, the counterpart of {@link ParquetPartWriter}:
 * its rows as generic Avro records, the way Camel's parquetAvro data format reads them, or its
 * footer. The load streams a part's rows into the warehouse; the Iceberg commits read a
 * dimension's files they rewrite, and an earlier release's parts. A part that does not read is
 * an invalid lake object, named by its key.
 */
public final class ParquetPartReader {

    private static final Configuration HADOOP = new Configuration(false);

    private ParquetPartReader() {
    }

    /** A reader of the part's rows; the caller closes it. */
    public static ParquetReader<GenericRecord> open(String key, byte[] parquet) {
        try {
            return AvroParquetReader.<GenericRecord>builder(new ParquetInputStream(key, parquet))
                    .withDataModel(GenericData.get())
                    .disableCompatibility()
                    .withConf(HADOOP)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new InvalidLakeObjectException(key, "it is not Parquet the pipeline can read: " + e.getMessage(), e);
        }
    }

    /** The next row, or {@code null} after the last. */
    public static GenericRecord next(ParquetReader<GenericRecord> rows, String key) {
        try {
            return rows.read();
        } catch (IOException | RuntimeException e) {
            throw new InvalidLakeObjectException(key, "a row group does not read: " + e.getMessage(), e);
        }
    }

    /** Every row of the part, read whole. */
    public static List<GenericRecord> rows(String key, byte[] parquet) {
        List<GenericRecord> rows = new ArrayList<>();
        try (ParquetReader<GenericRecord> reader = open(key, parquet)) {
            for (GenericRecord row = next(reader, key); row != null; row = next(reader, key)) {
                rows.add(row);
            }
        } catch (IOException e) {
            throw new InvalidLakeObjectException(key, "it does not close: " + e.getMessage(), e);
        }
        return rows;
    }

    /** The part's footer: its row groups and their columns' statistics. */
    public static ParquetMetadata footer(String key, byte[] parquet) {
        try (ParquetFileReader reader = ParquetFileReader.open(new ParquetInputStream(key, parquet))) {
            return reader.getFooter();
        } catch (IOException | RuntimeException e) {
            throw new InvalidLakeObjectException(key, "its Parquet footer does not read: " + e.getMessage(), e);
        }
    }

    /**
     * A row read from a part written before columns were added to its table, with the table's
     * columns now: the added ones null.
     */
    public static GenericRecord inSchema(GenericRecord row, Schema schema) {
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
