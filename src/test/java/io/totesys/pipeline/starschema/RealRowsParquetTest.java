package io.totesys.pipeline.starschema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.camel.CamelContext;
import org.apache.camel.dataformat.parquet.avro.ParquetAvroDataFormat;
import org.apache.camel.dataformat.parquet.avro.ParquetInputStream;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.totesys.pipeline.catalogue.SourceColumn;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.csv.ExtractedCsv;
import io.totesys.pipeline.lake.csv.SourceRow;

/**
 * Real ToteSys rows (a sample of the 2024-11-15 snapshot in {@code src/test/resources/real-rows};
 * {@code -Dreal-rows=<folder>} takes a whole snapshot instead) through the transform's fast path:
 * the values parsed by position are the ones {@code DateTimeFormatter} and {@code BigDecimal}
 * gave, and the Parquet objects written as the rows stream hold, field by field and with the
 * same schema and footer, what Camel's parquetAvro data format (parquet-avro) wrote from a list
 * of the same records, stored the same way: each column chunk with the same encodings, sizes and
 * statistics, but for the columns of distinct values (the key, the times of day), written without
 * the dictionary parquet-avro tries first: the same values and statistics, in no more bytes.
 */
class RealRowsParquetTest {

    private static final DateTimeFormatter EARLIER_TIMESTAMP = DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm:ss.SSS");
    private static final CSVFormat SNAPSHOT = CSVFormat.RFC4180.builder().setNullString("").get();

    private static CamelContext camel;

    @BeforeAll
    static void startCamel() {
        camel = new DefaultCamelContext();
        camel.start();
    }

    @AfterAll
    static void stopCamel() {
        camel.stop();
    }

    @Test
    void valuesParsedByPositionAreTheFormattersValues() {
        long checked = 0;
        for (SourceTable table : SourceTable.values()) {
            for (SourceRow row : rows(table)) {
                for (SourceColumn column : table.columns()) {
                    String text = row.texts().get(table.columnIndex(column.name()));
                    if (text == null) {
                        continue;
                    }
                    switch (column.type()) {
                        case TIMESTAMP -> assertThat(row.timestamp(column.name())).as(text)
                                .isEqualTo(LocalDateTime.parse(text, EARLIER_TIMESTAMP));
                        case DATE_TEXT -> assertThat(row.date(column.name())).as(text).isEqualTo(LocalDate.parse(text));
                        case DECIMAL -> assertThat(row.decimal(column.name())).as(text)
                                .isEqualTo(new BigDecimal(text).setScale(2));
                        default -> {
                            continue;
                        }
                    }
                    checked++;
                }
            }
        }
        assertThat(checked).as("timestamps, dates and decimals compared").isGreaterThan(1_000);
    }

    @Test
    void streamedPartsHoldWhatTheDataFormatWroteFieldByField() throws Exception {
        TreeSet<LocalDate> dates = new TreeSet<>();
        Map<Integer, SourceRow> addresses = byId(SourceTable.ADDRESS);
        Map<Integer, SourceRow> departments = byId(SourceTable.DEPARTMENT);
        Map<WarehouseTable, List<GenericRecord>> tables = Map.ofEntries(
                Map.entry(WarehouseTable.DIM_LOCATION, derive(SourceTable.ADDRESS, StarSchemaRecords::location)),
                Map.entry(WarehouseTable.DIM_COUNTERPARTY, derive(SourceTable.COUNTERPARTY, row -> StarSchemaRecords
                        .counterparty(row, addresses.get(row.integer("legal_address_id"))))),
                Map.entry(WarehouseTable.DIM_CURRENCY, derive(SourceTable.CURRENCY, StarSchemaRecords::currency)),
                Map.entry(WarehouseTable.DIM_DESIGN, derive(SourceTable.DESIGN, StarSchemaRecords::design)),
                Map.entry(WarehouseTable.DIM_PAYMENT_TYPE,
                        derive(SourceTable.PAYMENT_TYPE, StarSchemaRecords::paymentType)),
                Map.entry(WarehouseTable.DIM_STAFF, derive(SourceTable.STAFF,
                        row -> StarSchemaRecords.staff(row, departments.get(row.integer("department_id"))))),
                Map.entry(WarehouseTable.DIM_TRANSACTION,
                        derive(SourceTable.TRANSACTION, StarSchemaRecords::transaction)),
                Map.entry(WarehouseTable.FACT_SALES_ORDER,
                        derive(SourceTable.SALES_ORDER, row -> StarSchemaRecords.salesOrder(row, dates::add))),
                Map.entry(WarehouseTable.FACT_PURCHASE_ORDER,
                        derive(SourceTable.PURCHASE_ORDER, row -> StarSchemaRecords.purchaseOrder(row, dates::add))),
                Map.entry(WarehouseTable.FACT_PAYMENT,
                        derive(SourceTable.PAYMENT, row -> StarSchemaRecords.payment(row, dates::add))));
        ParquetPartWriter writer = new ParquetPartWriter("SNAPPY");

        for (WarehouseTable table : WarehouseTable.values()) {
            List<GenericRecord> records = table == WarehouseTable.DIM_DATE
                    ? dates.stream().map(StarSchemaRecords::date).toList()
                    : tables.get(table);
            assertThat(records).as(table.tableName()).isNotEmpty();
            ByteArrayOutputStream streamed = new ByteArrayOutputStream();
            assertThat(writer.write(records.iterator(), table, table.avroSchema(), Map.of(), streamed).rows())
                    .isEqualTo(records.size());
            byte[] earlier = earlierDataFormat(records);

            assertThat(footer(streamed.toByteArray()).getSchema()).as(table.tableName())
                    .isEqualTo(footer(earlier).getSchema());
            Map<String, String> ownEntries = new HashMap<>(footer(streamed.toByteArray()).getKeyValueMetaData());
            String earliest = ownEntries.remove(LastUpdatedRange.EARLIEST);
            String latest = ownEntries.remove(LastUpdatedRange.LATEST);
            assertThat(ownEntries).as(table.tableName()).isEqualTo(footer(earlier).getKeyValueMetaData());
            if (table.isFact()) {
                List<LocalDateTime> stamps = records.stream().map(row -> LastUpdatedRange.of(row).orElseThrow())
                        .sorted().toList();
                assertThat(List.of(earliest, latest)).as("%s: when its rows were last updated", table.tableName())
                        .containsExactly(stamps.get(0).toString(), stamps.get(stamps.size() - 1).toString());
            } else {
                assertThat(earliest).as(table.tableName()).isNull();
            }
            List<String> plain = table.columnsOfDistinctValues();
            assertThat(columnChunks(streamed.toByteArray(), plain)).as(table.tableName() + "'s column chunks")
                    .isEqualTo(columnChunks(earlier, plain));
            List<ColumnChunkMetaData> streamedChunks = chunks(streamed.toByteArray());
            List<ColumnChunkMetaData> earlierChunks = chunks(earlier);
            for (int index = 0; index < streamedChunks.size(); index++) {
                ColumnChunkMetaData chunk = streamedChunks.get(index);
                if (plain.contains(chunk.getPath().toDotString())) {
                    assertThat(chunk.getEncodings()).as(table.tableName() + "." + chunk.getPath() + ", plain")
                            .doesNotContain(Encoding.PLAIN_DICTIONARY, Encoding.RLE_DICTIONARY);
                    assertThat(chunk.getTotalSize()).as(table.tableName() + "." + chunk.getPath()
                            + ": no larger than parquet-avro's, dictionary or not").isLessThanOrEqualTo(
                                    earlierChunks.get(index).getTotalSize());
                }
            }
            List<GenericRecord> written = read(streamed.toByteArray());
            assertThat(written).as(table.tableName()).hasSize(records.size()).isEqualTo(read(earlier));
            for (int field = 0; field < table.columns().size(); field++) {
                WarehouseColumn column = table.columns().get(field);
                for (int row = 0; row < records.size(); row++) {
                    Object value = written.get(row).get(field);
                    assertThat(value == null ? null : column.type().toText(value))
                            .as(table.tableName() + " row " + row + " " + column.name())
                            .isEqualTo(value == null ? null : column.type().toText(records.get(row).get(field)));
                }
            }
        }
    }

    private static List<GenericRecord> derive(SourceTable table, Function<SourceRow, GenericRecord> derivation) {
        return rows(table).stream().map(derivation).toList();
    }

    private static Map<Integer, SourceRow> byId(SourceTable table) {
        return rows(table).stream().collect(Collectors.toMap(SourceRow::id, row -> row));
    }

    /** A snapshot file's rows, written in the lake's dialect and read back as the transform reads them. */
    private static List<SourceRow> rows(SourceTable table) {
        String folder = System.getProperty("real-rows");
        Path file = folder == null ? Path.of("src/test/resources/real-rows") : Path.of(folder);
        file = file.resolve(table.tableName() + ".csv");
        StringWriter lake = new StringWriter();
        List<String> header;
        long records = 0;
        try (Reader snapshot = Files.newBufferedReader(file);
                CSVParser parser = CSVParser.parse(snapshot, SNAPSHOT);
                CSVPrinter printer = new CSVPrinter(lake, ExtractedCsv.FORMAT)) {
            List<CSVRecord> all = parser.getRecords();
            header = all.get(0).toList();
            for (CSVRecord record : all) {
                printer.printRecord(record.toList());
                records++;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<SourceRow> rows = new ArrayList<>();
        try (ExtractedCsv csv = new ExtractedCsv(table, header,
                new ByteArrayInputStream(lake.toString().getBytes(StandardCharsets.UTF_8)), 1 << 20, records - 1)) {
            csv.forEachRemaining(rows::add);
        }
        return rows;
    }

    private static byte[] earlierDataFormat(List<GenericRecord> records) throws Exception {
        try (ParquetAvroDataFormat format = new ParquetAvroDataFormat()) {
            format.setCompressionCodecName("SNAPPY");
            format.start();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            format.marshal(new DefaultExchange(camel), records, out);
            return out.toByteArray();
        }
    }

    /**
     * What each column chunk of each row group holds, as it is stored: its encodings, sizes,
     * value count and statistics (the order in which parquet-java lists a chunk's encodings
     * follows the hash codes of its set, which differ between runs, so they are compared as a
     * set); of the columns written {@code plain}, which parquet-avro gives a dictionary first,
     * the value count and statistics only.
     */
    private static List<String> columnChunks(byte[] parquet, List<String> plain) throws IOException {
        List<String> described = new ArrayList<>();
        for (ColumnChunkMetaData column : chunks(parquet)) {
            String values = column.getValueCount() + " values, " + column.getStatistics();
            described.add(column.getPath() + " " + column.getPrimitiveType() + " " + column.getCodec() + " "
                    + (plain.contains(column.getPath().toDotString()) ? values
                            : new TreeSet<>(column.getEncodings()) + " " + values + ", " + column.getTotalSize()
                                    + " bytes (" + column.getTotalUncompressedSize() + " uncompressed)"));
        }
        return described;
    }

    private static List<ColumnChunkMetaData> chunks(byte[] parquet) throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(new ParquetInputStream("part", parquet))) {
            return reader.getFooter().getBlocks().stream().flatMap(block -> block.getColumns().stream()).toList();
        }
    }

    private static FileMetaData footer(byte[] parquet) throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(new ParquetInputStream("part", parquet))) {
            return reader.getFooter().getFileMetaData();
        }
    }

    private static List<GenericRecord> read(byte[] parquet) throws IOException {
        List<GenericRecord> records = new ArrayList<>();
        try (ParquetReader<GenericRecord> reader = AvroParquetReader
                .<GenericRecord>builder(new ParquetInputStream("part", parquet))
                .withDataModel(GenericData.get())
                .disableCompatibility()
                .withConf(new Configuration(false))
                .build()) {
            for (GenericRecord record = reader.read(); record != null; record = reader.read()) {
                records.add(record);
            }
        }
        return records;
    }
}
