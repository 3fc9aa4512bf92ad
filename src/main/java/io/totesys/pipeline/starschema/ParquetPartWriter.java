package io.totesys.pipeline.starschema;

import java.io.IOException;
import java.io.OutputStream;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.IndexedRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * Writes one Parquet part of a warehouse table, record by record as its rows stream, to an
 * output stream: the file Camel's {@code parquetAvro} data format writes from a list of the
 * records (parquet-avro's schema and footer, the table's Avro schema), but without ever holding
 * the part's records, and each value handed to its column's writer directly
 * ({@link StarSchemaWriteSupport}).
 */
public final class ParquetPartWriter {

    /**
     * The most members' keys a dimension's part records as it is written: a batch's change of
     * a few members, not a full load's part (at ×100, {@code dim_transaction}'s 1.6 million
     * keys boxed would be 130 MiB of heap), whose table is appended to and never needs them.
     */
    static final int MOST_KEYS_RECORDED = 10_000;

    /** The media type of a Parquet object, as the lake's objects carry it. */
    public static final String CONTENT_TYPE = "application/vnd.apache.parquet";

    private final CompressionCodecName codec;
    private final Configuration configuration = new Configuration();

    /** @param codec {@code ETL_PARQUET_CODEC}: {@code SNAPPY}, {@code ZSTD}, ... */
    public ParquetPartWriter(String codec) {
        try {
            this.codec = CompressionCodecName.valueOf(codec.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "ETL_PARQUET_CODEC '" + codec + "' is not a Parquet codec (SNAPPY, ZSTD, "
                            + "GZIP, LZ4_RAW, UNCOMPRESSED)",
                    e);
        }
    }

    /**
     * Writes every record of {@code rows} as one Parquet object of {@code table} to {@code out},
     * and says how many it wrote: each column with a dictionary where its values may repeat, the
     * table's {@linkplain WarehouseTable#columnsOfDistinctValues() columns of distinct values}
     * plain. Each column carries the field id {@code fieldIds} gives its name, if any: its
     * Iceberg table's (docs/architecture.md#iceberg-tables). The part of a dimension records
     * the keys of the members it holds (its first column), which its table's commit replaces,
     * unless it holds more than {@value #MOST_KEYS_RECORDED}.
     */
    public WrittenPart write(Iterator<GenericRecord> rows, WarehouseTable table, Schema schema,
            Map<String, Integer> fieldIds, OutputStream out) throws IOException {
        long written = 0;
        Set<Object> keys = table.isFact() ? null : new HashSet<>();
        Builder builder = new Builder(new StreamOutputFile(out), schema, fieldIds);
        for (String column : table.columnsOfDistinctValues()) {
            builder.withDictionaryEncoding(column, false);
        }
        ParquetWriter<IndexedRecord> writer = builder
                .withConf(configuration)
                .withCompressionCodec(codec)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .build();
        try (writer) {
            while (rows.hasNext()) {
                GenericRecord row = rows.next();
                writer.write(row);
                if (keys != null) {
                    keys.add(row.get(0));
                    if (keys.size() > MOST_KEYS_RECORDED) {
                        keys = null;
                    }
                }
                written++;
            }
        }
        return new WrittenPart(written, writer.getFooter(), Optional.ofNullable(keys));
    }

    /**
     * A Parquet part as written.
     *
     * @param rows how many rows it holds
     * @param footer its footer, whose statistics describe its columns
     * @param keys for a dimension's part of at most {@value #MOST_KEYS_RECORDED} rows, the values
     *        of its first column: the keys of the members (or of the deleted members) it holds;
     *        empty for a larger one and for a fact's
     */
    public record WrittenPart(long rows, ParquetMetadata footer, Optional<Set<Object>> keys) {
    }

    /** Parquet's writer over {@link StarSchemaWriteSupport}. */
    private static final class Builder extends ParquetWriter.Builder<IndexedRecord, Builder> {

        private final Schema schema;
        private final Map<String, Integer> fieldIds;

        Builder(OutputFile file, Schema schema, Map<String, Integer> fieldIds) {
            super(file);
            this.schema = schema;
            this.fieldIds = fieldIds;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<IndexedRecord> getWriteSupport(Configuration configuration) {
            return new StarSchemaWriteSupport(schema, fieldIds, configuration);
        }
    }

    /** A Parquet output file that is an output stream, with the position Parquet's footer needs. */
    private record StreamOutputFile(OutputStream out) implements OutputFile {

        @Override
        public PositionOutputStream create(long blockSizeHint) {
            return new PositionOutputStream() {

                private long position;

                @Override
                public long getPos() {
                    return position;
                }

                @Override
                public void write(int value) throws IOException {
                    out.write(value);
                    position++;
                }

                @Override
                public void write(byte[] bytes, int offset, int length) throws IOException {
                    out.write(bytes, offset, length);
                    position += length;
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                }

                @Override
                public void close() throws IOException {
                    out.close();
                }
            };
        }

        @Override
        public PositionOutputStream createOrOverwrite(long blockSizeHint) {
            return create(blockSizeHint);
        }

        @Override
        public boolean supportsBlockSize() {
            return false;
        }

        @Override
        public long defaultBlockSize() {
            return 0;
        }
    }
}
