package io.totesys.pipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.commons.csv.CSVParser;
import org.apache.commons.csv.CSVPrinter;
import org.apache.commons.csv.CSVRecord;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.csv.ExtractedCsv;
import io.totesys.pipeline.source.SourceSchema;
import io.totesys.pipeline.stage.BatchFailure;
import io.totesys.pipeline.testing.ExtractRuns;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * The extract route against a real PostgreSQL and a real S3 server: what lands in the
 * ingest bucket, byte for byte, and what does not.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class ExtractRouteTest {

    private static final String CRLF = "\r\n";

    @Inject
    ProducerTemplate producer;

    @Inject
    ObjectMapper json;

    @ConfigProperty(name = "quarkus.datasource.totesys.username")
    String toteSysUsername;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    /** The extractor needs nothing but SELECT: the role every test extracts with cannot change ToteSys. */
    @Test
    void theExtractorReadsToteSysAsARoleThatCannotWrite() {
        assertThat(toteSysUsername).isEqualTo(DatabaseServer.READER);
        DataSource reader = world.databases().dataSource(DatabaseServer.TOTESYS_DATABASE,
                DatabaseServer.READER, DatabaseServer.READER_PASSWORD);
        for (String write : List.of("INSERT INTO currency (currency_code) VALUES ('XXX')",
                "UPDATE payment SET paid = true", "DELETE FROM sales_order", "CREATE TABLE stolen (id int)")) {
            assertThatThrownBy(() -> DatabaseServer.execute(reader, write)).as(write)
                    .hasMessageContaining("permission denied");
        }
        new ToteSysSimulator(world.totesysOwner(), 5).seed(0.001);
        Exchange result = producer.send("direct:extract-batch", exchange -> {
        });
        assertThat(BatchFailure.of(result)).isNull();
        assertThat(ingest.keys("input/payment/")).hasSize(1);
    }

    @Test
    void firstPollWritesOneCsvPerTableWithTheSourceValuesExactly() throws Exception {
        DatabaseServer.execute(world.totesysOwner(), KNOWN_ROWS);

        BatchManifest manifest = runBatch();

        assertThat(manifest.objects()).extracting(BatchManifest.Entry::table).containsExactly(
                "address", "counterparty", "currency", "department", "design", "payment_type", "staff",
                "sales_order", "purchase_order", "transaction", "payment");
        assertThat(rowsPerTable(manifest)).containsExactlyInAnyOrderEntriesOf(Map.ofEntries(
                Map.entry("address", 3L), Map.entry("counterparty", 2L), Map.entry("currency", 3L),
                Map.entry("department", 1L), Map.entry("design", 1L), Map.entry("payment_type", 2L),
                Map.entry("staff", 1L), Map.entry("sales_order", 1L), Map.entry("purchase_order", 1L),
                Map.entry("transaction", 2L), Map.entry("payment", 2L)));
        assertThat(ingest.keys("input/")).hasSize(12);

        assertThat(csv(manifest, "address")).isEqualTo(
                "\"address_id\",\"address_line_1\",\"address_line_2\",\"district\",\"city\",\"postal_code\","
                        + "\"country\",\"phone\",\"created_at\",\"last_updated\"" + CRLF
                        + "\"1\",\"6826 Herzog Via\",,\"Avon\",\"New Patienceburgh\",\"28441\",\"Turkey\","
                        + "\"1803 637401\",\"2022-11-03 14:20:49.000\",\"2022-11-03 14:20:49.000\"" + CRLF
                        + "\"2\",\"179 O'Conner Lock, Unit 4\",,,\"Aliso Viejo\",\"99305-7380\","
                        + "\"Democratic People's Republic of Korea\",\"9621 880720\",\"2022-11-03 14:20:49.962\","
                        + "\"2022-11-03 14:20:49.962\"" + CRLF
                        + "\"3\",\"1 \"\"Quoted\"\" Street\",\"\",\"Line one" + "\n" + "line two\",\"Olsonside\","
                        + "\"47518\",\"Iceland\",\"1239 706295\",\"2022-11-03 14:20:50.100\","
                        + "\"2022-11-03 14:20:50.100\"" + CRLF);
        assertThat(csv(manifest, "counterparty")).contains(
                "\"2\",\"Leannon, Predovic and Morar\",\"2\",\"Melba Sanford\",\"Christy O'Hara\","
                        + "\"2022-11-03 14:20:51.563\",\"2022-11-03 14:20:51.563\"" + CRLF,
                "\"1\",\"Fahey and Sons\",\"1\",,,");
        assertThat(csv(manifest, "department")).contains("\"4\",\"Dispatch\",\"Leds\",\"Mark Hanna\"");
        assertThat(csv(manifest, "sales_order")).endsWith(
                "\"1\",\"2022-11-03 14:20:52.186\",\"2022-11-04 09:00:00.000\",\"1\",\"1\",\"2\",\"84754\","
                        + "\"3.50\",\"1\",\"2022-11-10\",\"2022-11-03\",\"3\"" + CRLF);
        assertThat(csv(manifest, "purchase_order")).contains("\"12.00\"", "\"ZDOI5EA\"");
        assertThat(csv(manifest, "transaction")).contains(
                "\"1\",\"SALE\",\"1\",,\"2022-11-03 14:20:52.186\"", "\"2\",\"PURCHASE\",,\"1\",");
        assertThat(csv(manifest, "payment")).contains(
                "\"1\",\"2022-11-03 14:20:52.186\",\"2022-11-07 07:55:11.885\",\"1\",\"2\",\"296639.00\",\"1\","
                        + "\"1\",\"true\",\"2022-11-07\",\"52923196\",\"32957646\"" + CRLF,
                "\"false\"");
        assertThat(csv(manifest, "payment_type")).contains("\"SALES_RECEIPT\"", "\"PURCHASE_PAYMENT\"");
    }

    /**
     * PostgreSQL's {@code COPY} writes the lake text the row-by-row extract wrote before it, value
     * for value and byte for byte: the same rows read through JDBC, every value as text, and
     * printed by commons-csv in the lake's dialect, for every column type, NULLs and empty
     * strings, quotes, commas, carriage returns and line feeds, backslashes and non-ASCII text.
     */
    @Test
    void copiedCsvIsTheTextTheRowByRowExtractWrote() throws Exception {
        DatabaseServer.execute(world.totesysOwner(), KNOWN_ROWS + AWKWARD_ROWS);

        BatchManifest manifest = runBatch();

        assertThat(manifest.recordSeparator()).isEqualTo(BatchManifest.CRLF);
        DataSource reader = world.databases().dataSource(DatabaseServer.TOTESYS_DATABASE, DatabaseServer.READER,
                DatabaseServer.READER_PASSWORD);
        try (Connection connection = reader.getConnection()) {
            Map<SourceTable, SourceSchema> schemas = SourceSchema.read(connection);
            for (SourceTable table : SourceTable.values()) {
                String rowByRow = rowByRow(connection, schemas.get(table));
                String copied = csv(manifest, table.tableName());
                assertThat(records(copied)).as(table.tableName()).containsExactlyElementsOf(records(rowByRow));
                assertThat(copied).as(table.tableName()).isEqualTo(rowByRow);
            }
        }
    }

    /** What the extract wrote before {@code COPY}: each value read as text through JDBC, printed by commons-csv. */
    private static String rowByRow(Connection connection, SourceSchema schema) throws Exception {
        StringBuilder csv = new StringBuilder();
        try (CSVPrinter printer = new CSVPrinter(csv, ExtractedCsv.FORMAT);
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT " + schema.selectList() + " FROM "
                        + schema.table().tableName() + " ORDER BY last_updated, " + schema.table().primaryKey())) {
            printer.printRecord(schema.lakeColumnNames());
            int columns = schema.lakeColumnNames().size();
            while (rows.next()) {
                List<String> record = new ArrayList<>();
                for (int column = 1; column <= columns; column++) {
                    record.add(rows.getString(column));
                }
                printer.printRecord(record);
            }
        }
        return csv.toString();
    }

    /** A CSV's records, field by field, NULL apart from the empty string. */
    private static List<List<String>> records(String csv) throws Exception {
        try (CSVParser parser = CSVParser.parse(csv, ExtractedCsv.FORMAT)) {
            return parser.getRecords().stream().map(CSVRecord::toList).toList();
        }
    }

    @Test
    void manifestDescribesEveryObjectAndTheWindow() throws Exception {
        DatabaseServer.execute(world.totesysOwner(), KNOWN_ROWS);

        BatchManifest manifest = runBatch();

        assertThat(manifest.stage()).isEqualTo("extract");
        assertThat(manifest.highWater()).matches("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}\\.\\d{3}");
        for (BatchManifest.Entry entry : manifest.objects()) {
            assertThat(entry.key()).isEqualTo(entry.table() + "/date=" + manifest.batchId().substring(0, 4) + "-"
                    + manifest.batchId().substring(4, 6) + "-" + manifest.batchId().substring(6, 8) + "/"
                    + manifest.batchId() + ".csv");
            byte[] content = world.s3().getObjectAsBytes(request -> request.bucket(EmbeddedWorld.INGEST_BUCKET)
                    .key("input/" + entry.key())).asByteArray();
            assertThat(content).hasSize((int) entry.bytes());
            assertThat(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(content))).isEqualTo(entry.sha256());
            assertThat(entry.windowFrom()).as("the first batch takes whole tables").isNull();
        }
    }

    @Test
    void pollWithoutChangesWritesNothingAndTheNextBatchHoldsExactlyTheChanges() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 42);
        simulator.seed(0.02);
        runBatch();
        List<String> afterFirstBatch = ingest.keys("");

        runBatchExpectingNothing();
        assertThat(ingest.keys("")).as("a poll that finds no changes writes nothing").isEqualTo(afterFirstBatch);

        List<Integer> paid = simulator.unpaidPayments(3);
        paid.forEach(simulator::markPaid);
        ToteSysSimulator.NewOrder first = simulator.newSalesOrder();
        ToteSysSimulator.NewOrder second = simulator.newSalesOrder();

        BatchManifest manifest = runBatch();

        assertThat(rowsPerTable(manifest)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "sales_order", 2L, "transaction", 2L, "payment", 5L));
        assertThat(ids(csv(manifest, "sales_order"))).containsExactly(first.orderId(), second.orderId());
        assertThat(ids(csv(manifest, "transaction"))).containsExactly(first.transactionId(), second.transactionId());
        List<Integer> expectedPayments = new ArrayList<>(paid);
        expectedPayments.addAll(List.of(first.paymentId(), second.paymentId()));
        assertThat(ids(csv(manifest, "payment"))).containsExactlyInAnyOrderElementsOf(expectedPayments);
        assertThat(manifest.objects()).allSatisfy(entry -> assertThat(entry.windowFrom()).isNotNull());
    }

    @Test
    void aTransactionOpenDuringAPollIsReadByALaterBatch() throws Exception {
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 7);
        simulator.seed(0.01);
        runBatch();

        int lateOrderId;
        try (Connection writer = world.totesysOwner().getConnection()) {
            writer.setAutoCommit(false);
            try (Statement statement = writer.createStatement();
                    ResultSet inserted = statement.executeQuery("""
                            INSERT INTO sales_order (design_id, staff_id, counterparty_id, units_sold, unit_price,
                                currency_id, agreed_delivery_date, agreed_payment_date, agreed_delivery_location_id)
                            VALUES (1, 1, 1, 100, 2.50, 1, '2026-12-01', '2026-12-02', 1)
                            RETURNING sales_order_id""")) {
                inserted.next();
                lateOrderId = inserted.getInt(1);
            }
            runBatchExpectingNothing();

            writer.commit();
        }

        BatchManifest manifest = runBatch();
        assertThat(ids(csv(manifest, "sales_order"))).containsExactly(lateOrderId);
    }

    @Test
    void theExtractorConnectsAsARoleThatCanOnlyRead() throws SQLException {
        try (Connection connection = world.databases().superuser(DatabaseServer.TOTESYS_DATABASE).getConnection();
                PreparedStatement statement = connection.prepareStatement("""
                        SELECT DISTINCT privilege_type FROM information_schema.role_table_grants
                         WHERE grantee = ?""")) {
            statement.setString(1, world.environment().get("TOTESYS_USERNAME"));
            try (ResultSet privileges = statement.executeQuery()) {
                List<String> granted = new ArrayList<>();
                while (privileges.next()) {
                    granted.add(privileges.getString(1));
                }
                assertThat(granted).containsExactly("SELECT");
            }
        }
    }

    private BatchManifest runBatch() {
        return new ExtractRuns(producer, json, ingest).run().orElseThrow(() -> new AssertionError("no new manifest"))
                .manifest();
    }

    private void runBatchExpectingNothing() {
        List<String> before = ingest.keys("");
        Exchange result = producer.send("direct:extract-batch", exchange -> {
        });
        assertThat(BatchFailure.of(result)).isNull();
        assertThat(ingest.keys("")).isEqualTo(before);
    }

    private String csv(BatchManifest manifest, String table) {
        return manifest.objects().stream().filter(entry -> entry.table().equals(table)).findFirst()
                .map(entry -> ingest.read("input/" + entry.key()))
                .orElseThrow(() -> new AssertionError("no " + table + " object in batch " + manifest.batchId()));
    }

    private static Map<String, Long> rowsPerTable(BatchManifest manifest) {
        Map<String, Long> rows = new TreeMap<>();
        manifest.objects().forEach(entry -> rows.put(entry.table(), entry.rows()));
        return rows;
    }

    /** The first column of every data record. */
    private static List<Integer> ids(String csv) {
        return csv.lines().skip(1).map(line -> Integer.parseInt(line.substring(1, line.indexOf('"', 1)))).toList();
    }

    /** Values the real data does not have, but ToteSys may: awkward text, far dates, negative and zero amounts. */
    private static final String AWKWARD_ROWS = """
            INSERT INTO address VALUES
              (4, E'carriage\\rreturn', E'crlf\\r\\nline', 'back\\slash \\N', ' padded ', '"', 'Zürich ☃ 東京', '',
               '1999-12-31 23:59:59.999', '1999-12-31 23:59:59.999'),
              (5, ',', '""', 'NULL', 'null', E'tab\\there', '#hash', '''',
               '0999-01-01 00:00:00', '2100-01-01 00:00:00.5');
            INSERT INTO transaction VALUES (3, 'SALE', NULL, NULL, '2022-11-05 00:00:00', '2022-11-05 00:00:00'),
              (4, 'PURCHASE', NULL, NULL, '2022-11-05 00:00:00.001', '2022-11-05 00:00:00.001');
            INSERT INTO payment VALUES
              (3, '2022-11-05 00:00:00', '2022-11-05 00:00:00', 3, 1, 0, 1, 1, false, '2022-11-05', 0, -1),
              (4, '2022-11-05 00:00:00.001', '2022-11-05 00:00:00.001', 4, 1, -12.5, 3, 3, true, '', 2147483647,
               -2147483648);
            """;

    private static final String KNOWN_ROWS = """
            INSERT INTO address VALUES
              (1, '6826 Herzog Via', NULL, 'Avon', 'New Patienceburgh', '28441', 'Turkey', '1803 637401',
               '2022-11-03 14:20:49.000', '2022-11-03 14:20:49.000'),
              (2, '179 O''Conner Lock, Unit 4', NULL, NULL, 'Aliso Viejo', '99305-7380',
               'Democratic People''s Republic of Korea', '9621 880720', '2022-11-03 14:20:49.962', '2022-11-03 14:20:49.962'),
              (3, '1 "Quoted" Street', '', E'Line one\\nline two', 'Olsonside', '47518', 'Iceland', '1239 706295',
               '2022-11-03 14:20:50.1', '2022-11-03 14:20:50.1');
            INSERT INTO counterparty VALUES
              (1, 'Fahey and Sons', 1, NULL, NULL, '2022-11-03 14:20:51.563', '2022-11-03 14:20:51.563'),
              (2, 'Leannon, Predovic and Morar', 2, 'Melba Sanford', 'Christy O''Hara',
               '2022-11-03 14:20:51.563', '2022-11-03 14:20:51.563');
            INSERT INTO currency VALUES (1, 'GBP', '2022-11-03 14:20:49.962', '2022-11-03 14:20:49.962'),
              (2, 'USD', '2022-11-03 14:20:49.962', '2022-11-03 14:20:49.962'),
              (3, 'EUR', '2022-11-03 14:20:49.962', '2022-11-03 14:20:49.962');
            INSERT INTO department VALUES (4, 'Dispatch', 'Leds', 'Mark Hanna', '2022-11-03 14:20:49.962',
              '2022-11-03 14:20:49.962');
            INSERT INTO design VALUES (1, '2022-11-03 14:20:49.962', 'Wooden', '/lib', 'wooden-20201128-jdvi.json',
              '2022-11-03 14:20:49.962');
            INSERT INTO payment_type VALUES (1, 'SALES_RECEIPT', '2022-11-03 14:20:49.962', '2022-11-03 14:20:49.962'),
              (3, 'PURCHASE_PAYMENT', '2022-11-03 14:20:49.962', '2022-11-03 14:20:49.962');
            INSERT INTO staff VALUES (1, 'Jeremie', 'Franey', 4, 'jeremie.franey@terrifictotes.com',
              '2022-11-03 14:20:51.563', '2022-11-03 14:20:51.563');
            INSERT INTO sales_order VALUES (1, '2022-11-03 14:20:52.186', '2022-11-04 09:00:00', 1, 1, 2, 84754, 3.5, 1,
              '2022-11-10', '2022-11-03', 3);
            INSERT INTO purchase_order VALUES (1, '2022-11-03 14:20:52.187', '2022-11-03 14:20:52.187', 1, 2,
              'ZDOI5EA', 371, 12, 2, '2022-11-09', '2022-11-07', 1);
            INSERT INTO transaction VALUES (1, 'SALE', 1, NULL, '2022-11-03 14:20:52.186', '2022-11-03 14:20:52.186'),
              (2, 'PURCHASE', NULL, 1, '2022-11-03 14:20:52.187', '2022-11-03 14:20:52.187');
            INSERT INTO payment VALUES
              (1, '2022-11-03 14:20:52.186', '2022-11-07 07:55:11.885', 1, 2, 296639.00, 1, 1, true, '2022-11-07',
               52923196, 32957646),
              (2, '2022-11-03 14:20:52.187', '2022-11-03 14:20:52.187', 2, 2, 4452.00, 2, 3, false, '2022-11-09',
               67305075, 31622269);
            """;
}
