package io.totesys.pipeline.warehouse;

import java.io.IOException;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.camel.dataformat.parquet.avro.ParquetInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;

import io.totesys.pipeline.lake.InvalidLakeObjectException;

/**
 * Reads the rows of a Parquet object held in memory, as generic Avro records, the way
 * Camel's parquetAvro data format does; a failure to read an object whose bytes were
 * verified against its manifest means the object itself is invalid.
 */
final class ParquetRows {

    private static final Configuration HADOOP = new Configuration(false);

    private ParquetRows() {
    }

    /** A reader of the object's rows; the caller closes it. */
    static ParquetReader<GenericRecord> open(String key, byte[] parquet) {
        try {
            return AvroParquetReader.<GenericRecord>builder(new ParquetInputStream(key, parquet))
                    .withDataModel(GenericData.get())
                    .disableCompatibility()
                    .withConf(HADOOP)
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new InvalidLakeObjectException(key, "it is not Parquet the loader can read: " + e.getMessage(), e);
        }
    }

    /** The next row, or {@code null} after the last. */
    static GenericRecord next(ParquetReader<GenericRecord> rows, String key) {
        try {
            return rows.read();
        } catch (IOException | RuntimeException e) {
            throw new InvalidLakeObjectException(key, "a row group does not read: " + e.getMessage(), e);
        }
    }

    /**
     * Checks that the object's rows fit their table before any is copied: every column of
     * the table, of its type. A Parquet object that passes its checksum but was written for
     * other columns (a column of the wrong type, a missing one) is invalid. An object written
     * before an operator added columns to its table lacks them at its end: its rows load with
     * NULL in them.
     */
    static void checkFits(StagedTable table, String key, Schema found) {
        for (Schema.Field column : table.avroSchema().getFields()) {
            Schema.Field field = found.getField(column.name());
            if (field == null && column.pos() >= found.getFields().size() && column.hasDefaultValue()) {
                continue;
            }
            if (field == null || field.pos() != column.pos()) {
                throw new InvalidLakeObjectException(key, "it does not fit " + table.name() + ": it has no column "
                        + column.name() + " at position " + (column.pos() + 1), null);
            }
            if (!field.schema().equals(column.schema())) {
                throw new InvalidLakeObjectException(key, "it does not fit " + table.name() + ": its column "
                        + column.name() + " is " + field.schema() + ", the table's is " + column.schema(), null);
            }
        }
    }
}
