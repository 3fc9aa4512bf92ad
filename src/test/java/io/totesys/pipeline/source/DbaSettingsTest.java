package io.totesys.pipeline.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineOutcome;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ReconciliationRun;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.StarSchemaFromToteSys;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * Issue 24, point 4: settings a DBA puts on the service's role or on the database
 * ({@code ALTER ROLE ... SET}, {@code ALTER DATABASE ... SET}) change nothing the pipeline
 * writes. Each test runs a small ToteSys through the pipeline with the server's defaults,
 * then puts one setting on, and checks, with the SELECT-only reader: a reconciliation
 * computes every row's checksum as the lake's mirror holds it (nothing changed); the same
 * ToteSys extracted again whole is the same CSV text, byte for byte, and the same warehouse;
 * an edit and a delete made under the setting reach the lake and the warehouse.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class DbaSettingsTest {

    /** Columns ToteSys might add whose text the session's settings would decide. */
    private static final String ADDED_COLUMNS = """
            ALTER TABLE design ADD COLUMN review_after interval DEFAULT '1 day 02:03:04',
                               ADD COLUMN weight double precision DEFAULT 1.0 / 3,
                               ADD COLUMN thumbnail bytea DEFAULT '\\x01ff',
                               ADD COLUMN approved_at timestamptz DEFAULT '2022-11-03 14:20:49.123+00',
                               ADD COLUMN approved_on date DEFAULT '2022-11-04'""";

    /** What a reconciliation must find: all 11 tables compared, each as the lake's mirror holds it. */
    private static final ReconciliationRun.Outcome EVERY_TABLE_AGREES = new ReconciliationRun.Outcome(11, true);

    @Inject
    ProducerTemplate producer;

    @Inject
    @io.quarkus.agroal.DataSource("totesys")
    AgroalDataSource totesysPool;

    @Inject
    AgroalDataSource warehousePool;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private Map<String, String> lakeWithDefaults;
    private Map<WarehouseTable, List<String>> warehouseWithDefaults;

    @BeforeEach
    @AfterEach
    void defaultSettings() {
        DatabaseServer.execute(world.databases().superuser("postgres"),
                "ALTER ROLE " + DatabaseServer.READER + " RESET ALL",
                "ALTER ROLE " + DatabaseServer.OWNER + " RESET ALL",
                "ALTER ROLE " + DatabaseServer.WAREHOUSE_USER + " RESET ALL",
                "ALTER DATABASE " + DatabaseServer.TOTESYS_DATABASE + " RESET ALL",
                "ALTER DATABASE " + DatabaseServer.WAREHOUSE_DATABASE + " RESET ALL");
        DatabaseServer.execute(world.databases().superuser(DatabaseServer.TOTESYS_DATABASE),
                "DROP SCHEMA IF EXISTS dba CASCADE",
                "ALTER TABLE design DROP COLUMN IF EXISTS review_after, DROP COLUMN IF EXISTS weight, "
                        + "DROP COLUMN IF EXISTS thumbnail, DROP COLUMN IF EXISTS approved_at, "
                        + "DROP COLUMN IF EXISTS approved_on");
        DatabaseServer.execute(world.databases().superuser(DatabaseServer.WAREHOUSE_DATABASE),
                "DROP SCHEMA IF EXISTS dba CASCADE");
        newSessions();
    }

    /**
     * {@code DateStyle} decides how dates and timestamps are written as text. The finding was
     * that the lake's text and the row checksums would change; they do not: no value reaches
     * the lake through it (timestamps are written by {@code to_char}, ToteSys's dates are text),
     * and pgjdbc sends {@code DateStyle=ISO} as it connects, which wins over a role's or a
     * database's setting, and refuses a session whose style is not ISO. The extract pins it all
     * the same, for a {@code date} column ToteSys might add.
     */
    @Test
    void aRolesDateStyleChangesNothing() {
        throughThePipelineWithDefaults(false);

        dbaSets(world.databases().superuser("postgres"),
                "ALTER ROLE " + DatabaseServer.READER + " SET DateStyle = 'SQL, DMY'");

        assertTheSameAsWithDefaults();
    }

    /**
     * {@code TimeZone}: the database clock a batch reads ({@code localtimestamp}) and the text
     * of a {@code timestamptz} must be in ToteSys's zone ({@code TOTESYS_TIME_ZONE}), whatever
     * the role's or the database's zone.
     */
    @Test
    void aRolesAndADatabasesTimeZoneChangeNothing() {
        throughThePipelineWithDefaults(true);

        dbaSets(world.databases().superuser("postgres"),
                "ALTER ROLE " + DatabaseServer.READER + " SET TimeZone = 'Pacific/Chatham'",
                "ALTER DATABASE " + DatabaseServer.TOTESYS_DATABASE + " SET TimeZone = 'America/St_Johns'");

        assertTheSameAsWithDefaults();
    }

    /**
     * The settings that write the text of the columns ToteSys might add ({@code interval},
     * {@code double precision}, {@code bytea}, {@code date}): the lake carries them as
     * PostgreSQL writes them, so the session pins how.
     */
    @Test
    void aRolesOutputStylesChangeNoColumnsText() {
        throughThePipelineWithDefaults(true);

        dbaSets(world.databases().superuser("postgres"),
                "ALTER ROLE " + DatabaseServer.READER + " SET IntervalStyle = 'sql_standard'",
                "ALTER ROLE " + DatabaseServer.READER + " SET extra_float_digits = 0",
                "ALTER ROLE " + DatabaseServer.READER + " SET bytea_output = 'escape'",
                "ALTER ROLE " + DatabaseServer.READER + " SET DateStyle = 'German, DMY'");

        assertTheSameAsWithDefaults();
    }

    /**
     * {@code search_path}: a schema the DBA puts first holds a table of the same name as a
     * ToteSys table, which the reader may read. The extract must read ToteSys's own tables,
     * in {@code public}, columns, rows and counters alike.
     */
    @Test
    void aSchemaPutBeforeToteSysOnTheSearchPathIsNotRead() {
        throughThePipelineWithDefaults(false);

        dbaSets(world.databases().superuser(DatabaseServer.TOTESYS_DATABASE),
                "CREATE SCHEMA dba",
                "CREATE TABLE dba.sales_order AS SELECT * FROM public.sales_order WHERE sales_order_id <= 3",
                "UPDATE dba.sales_order SET units_sold = 1",
                "CREATE TABLE dba.currency (currency_id integer, currency_code text, note text)",
                "GRANT USAGE ON SCHEMA dba TO " + DatabaseServer.READER,
                "GRANT SELECT ON ALL TABLES IN SCHEMA dba TO " + DatabaseServer.READER,
                "ALTER ROLE " + DatabaseServer.READER + " SET search_path = dba, public");

        assertTheSameAsWithDefaults();
    }

    /**
     * {@code track_counts = off} for the reader's sessions: the deletion counters read as
     * unknown, and each batch counts every table's rows instead, which finds the delete in
     * the first batch after it.
     */
    @Test
    void deletesAreFoundWhenTheReaderDoesNotCount() {
        throughThePipelineWithDefaults(false);

        dbaSets(world.databases().superuser("postgres"),
                "ALTER ROLE " + DatabaseServer.READER + " SET track_counts = off");

        assertTheSameAsWithDefaults(true);
    }

    /** {@code track_counts = off} for the whole database: every session, the writers' too. */
    @Test
    void deletesAreFoundWhenTheDatabaseDoesNotCount() {
        throughThePipelineWithDefaults(false);

        dbaSets(world.databases().superuser("postgres"),
                "ALTER DATABASE " + DatabaseServer.TOTESYS_DATABASE + " SET track_counts = off");

        assertTheSameAsWithDefaults(true);
    }

    /**
     * {@code track_counts = off} for the role that writes ToteSys only: the reader's own
     * session says the server counts, but the counters no longer move when that role deletes.
     */
    @Test
    void deletesAreFoundWhenTheWriterDoesNotCount() {
        throughThePipelineWithDefaults(false);

        dbaSets(world.databases().superuser("postgres"),
                "ALTER ROLE " + DatabaseServer.OWNER + " SET track_counts = off");

        assertTheSameAsWithDefaults(true);
    }

    /**
     * The warehouse's connections (the pipeline's state and the load) under a role's
     * {@code search_path} with a schema of look-alike tables first, {@code DateStyle},
     * {@code TimeZone} and {@code IntervalStyle}: every statement names its schema, values go
     * in binary, and the warehouse holds what it holds with the defaults.
     */
    @Test
    void theWarehouseRolesSettingsChangeNothing() {
        throughThePipelineWithDefaults(false);
        List<String> lookAlikes = new ArrayList<>(List.of("CREATE SCHEMA dba AUTHORIZATION "
                + DatabaseServer.WAREHOUSE_USER));
        for (WarehouseTable table : WarehouseTable.values()) {
            lookAlikes.add("CREATE TABLE dba." + table.tableName() + " (LIKE public." + table.tableName() + ")");
        }
        for (String table : List.of("extract_batch", "extract_watermark", "load_batch", "source_row_checksum",
                "source_schema", "reference_row")) {
            lookAlikes.add("CREATE TABLE dba." + table + " (LIKE pipeline." + table + ")");
        }
        lookAlikes.add("GRANT ALL ON ALL TABLES IN SCHEMA dba TO " + DatabaseServer.WAREHOUSE_USER);
        dbaSets(world.databases().superuser(DatabaseServer.WAREHOUSE_DATABASE), lookAlikes.toArray(String[]::new));
        dbaSets(world.databases().superuser("postgres"),
                "ALTER ROLE " + DatabaseServer.WAREHOUSE_USER + " SET search_path = dba, public, pipeline",
                "ALTER ROLE " + DatabaseServer.WAREHOUSE_USER + " SET DateStyle = 'SQL, DMY'",
                "ALTER ROLE " + DatabaseServer.WAREHOUSE_USER + " SET TimeZone = 'Pacific/Chatham'",
                "ALTER ROLE " + DatabaseServer.WAREHOUSE_USER + " SET IntervalStyle = 'sql_standard'");

        editAndDelete(false);
        DataSource warehouse = world.databases().superuser(DatabaseServer.WAREHOUSE_DATABASE);
        for (WarehouseTable table : WarehouseTable.values()) {
            if (table != WarehouseTable.DIM_DATE) {
                assertThat(StarSchemaFromToteSys.warehouseRows(warehouse, table)).as(table.tableName())
                        .isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
            }
        }
        assertThat(SqlRows.count(warehouse, """
                SELECT (SELECT count(*) FROM dba.fact_sales_order) + (SELECT count(*) FROM dba.dim_location)
                     + (SELECT count(*) FROM dba.extract_batch) + (SELECT count(*) FROM dba.load_batch)
                     + (SELECT count(*) FROM dba.source_row_checksum)""")).as("rows in the look-alikes").isZero();
        assertThat(ReconciliationRun.run(producer, world))
                .isEqualTo(EVERY_TABLE_AGREES);
    }

    private void throughThePipelineWithDefaults(boolean addedColumns) {
        ToteSysFixture.reset(world);
        new ToteSysSimulator(world.totesysOwner(), 24).seed(0.01);
        if (addedColumns) {
            DatabaseServer.execute(world.totesysOwner(), ADDED_COLUMNS);
        }
        PipelineStages.runEach(producer);
        lakeWithDefaults = lakeText();
        warehouseWithDefaults = warehouse();
    }

    /**
     * With the setting on: a reconciliation finds every row as the mirror holds it; ToteSys
     * extracted again whole is the same text and the same warehouse; an edit and a delete go
     * through.
     */
    private void assertTheSameAsWithDefaults() {
        assertTheSameAsWithDefaults(false);
    }

    private void assertTheSameAsWithDefaults(boolean deleteFoundAtOnce) {
        assertThat(ReconciliationRun.run(producer, world)).as("reconciliation finds every row as the lake holds it")
                .isEqualTo(EVERY_TABLE_AGREES);

        ToteSysFixture.resetPipeline(world);
        PipelineStages.runEach(producer);
        assertThat(lakeText()).as("the lake's CSV text, extracted again whole").isEqualTo(lakeWithDefaults);
        assertThat(warehouse()).as("the warehouse, loaded again").isEqualTo(warehouseWithDefaults);

        editAndDelete(deleteFoundAtOnce);
        PipelineOutcome.assertNothingLostOrDoubled(world);
        assertThat(ReconciliationRun.run(producer, world)).as("reconciliation after the edit and the delete")
                .isEqualTo(EVERY_TABLE_AGREES);
    }

    /**
     * Edits a sales order and an address and deletes a payment, then runs the stages: the
     * edits are in the next batch, the delete in a batch within seconds (at once where the
     * deletion counters are not trusted: the batch counts the table's rows).
     */
    private void editAndDelete(boolean deleteFoundAtOnce) {
        int payment = (int) SqlRows.count(world.totesysOwner(), "SELECT max(payment_id) FROM payment");
        DatabaseServer.execute(world.totesysOwner(),
                "UPDATE sales_order SET units_sold = units_sold + 7 WHERE sales_order_id = 2",
                "UPDATE address SET city = 'Harrogate' WHERE address_id = 1",
                "DELETE FROM payment WHERE payment_id = " + payment);
        String deleted = "payment " + payment;
        PipelineStages.runEach(producer);
        if (deleteFoundAtOnce) {
            assertThat(ingest.extractedDeletions()).as("deletions after the first batch").contains(deleted);
        }
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    if (!ingest.extractedDeletions().contains(deleted)) {
                        PipelineStages.runEach(producer);
                    }
                    assertThat(ingest.extractedDeletions()).contains(deleted);
                });
        assertThat(ingest.extractedRowVersions()).as("the edited order's versions")
                .filteredOn(version -> version.startsWith("sales_order 2 ")).hasSize(2);
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
    }

    private void dbaSets(DataSource superuser, String... statements) {
        DatabaseServer.execute(superuser, statements);
        newSessions();
    }

    /** Closes the pools' connections: a role's or a database's settings apply to sessions that start after them. */
    private void newSessions() {
        totesysPool.flush(AgroalDataSource.FlushMode.ALL);
        warehousePool.flush(AgroalDataSource.FlushMode.ALL);
    }

    /** Every extract CSV object's text, by its table (a whole-table batch has one per table). */
    private Map<String, String> lakeText() {
        Map<String, String> text = new TreeMap<>();
        for (String key : ingest.extractObjectKeys(false)) {
            text.merge(LakeContents.tableOf(key), ingest.read(key), String::concat);
        }
        return text;
    }

    private Map<WarehouseTable, List<String>> warehouse() {
        Map<WarehouseTable, List<String>> rows = new EnumMap<>(WarehouseTable.class);
        for (WarehouseTable table : WarehouseTable.values()) {
            rows.put(table, StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(), table));
        }
        return rows;
    }
}
