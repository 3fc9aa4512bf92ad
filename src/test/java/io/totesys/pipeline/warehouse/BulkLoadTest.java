package io.totesys.pipeline.warehouse;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

import javax.sql.DataSource;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusMock;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.starschema.WarehouseDeletions;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.CapturedLog;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.LateDimensionRow;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Issue 14, point 4: a bulk batch loads with the foreign keys dropped and adds them back, each
 * validated once; what it loads is exactly what the same batch loads with every fact row
 * checked as it is inserted, and the foreign keys are declared and valid afterwards, whatever
 * happened in between.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class BulkLoadTest {

    /** Every fact column that names a dimension row or a day. */
    private static final int FOREIGN_KEYS = 24;

    @Inject
    ProducerTemplate producer;

    @Inject
    LoadSettings settings;

    @Inject
    ObjectMapper json;

    private final EmbeddedWorld world = TestWorld.get();
    private final DataSource warehouse = world.databases().warehouse();
    private ChosenPath path;

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
        path = new ChosenPath(settings);
        QuarkusMock.installMockForType(path, BulkLoadPolicy.class);
    }

    @Test
    void theSameBatchesLoadIntoTheSameRowsInBulkAsRowByRow() {
        path.bulk = false;
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 51);
        simulator.seed(0.05);
        runPipeline();
        for (int round = 0; round < 3; round++) {
            for (int change = 0; change < 40; change++) {
                simulator.change();
            }
            DatabaseServer.execute(world.totesysOwner(),
                    "DELETE FROM payment WHERE payment_id = (SELECT min(payment_id) FROM payment)",
                    "DELETE FROM sales_order WHERE sales_order_id = (SELECT min(sales_order_id) FROM sales_order)",
                    "UPDATE address SET city = 'Bulk ' || " + round + ", last_updated = now() WHERE address_id = 1");
            runPipeline();
        }
        // A fact that arrives before its dimension row: an inferred member, replaced later
        LateDimensionRow.load(world, producer);
        DatabaseServer.execute(world.totesysOwner(), "UPDATE staff SET last_updated = now() WHERE staff_id = 99");
        runPipeline();
        Map<String, List<String>> rowByRow = everyTable();
        assertThat(rowByRow.get("fact_payment_deletion")).isNotEmpty();
        assertThat(rowByRow.get("fact_sales_order_deletion")).isNotEmpty();
        List<String> keysBefore = foreignKeys();

        // The same Parquet batches again, oldest first, into an empty warehouse, each in bulk
        DatabaseServer.execute(warehouse, "TRUNCATE pipeline.load_batch, "
                + String.join(", ", starSchemaTables()) + " RESTART IDENTITY");
        LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);
        for (String key : processed.keys("processed/")) {
            world.s3().copyObject(request -> request.sourceBucket(EmbeddedWorld.PROCESSED_BUCKET).sourceKey(key)
                    .destinationBucket(EmbeddedWorld.PROCESSED_BUCKET)
                    .destinationKey("input/" + key.substring("processed/".length())));
        }
        path.bulk = true;
        PipelineStages.run(producer, PipelineStage.LOAD);

        Map<String, List<String>> bulk = everyTable();
        assertThat(bulk.keySet()).isEqualTo(rowByRow.keySet());
        for (String table : rowByRow.keySet()) {
            assertThat(bulk.get(table)).as(table).containsExactlyElementsOf(rowByRow.get(table));
        }
        List<String> keysAfter = foreignKeys();
        assertThat(keysAfter).as("every foreign key declared and valid again").hasSize(FOREIGN_KEYS)
                .allMatch(key -> key.endsWith(",t)"));
        assertThat(keysAfter).as("dropped and added again, under the same names")
                .isNotEqualTo(keysBefore)
                .extracting(key -> key.substring(key.indexOf(',')))
                .containsExactlyElementsOf(keysBefore.stream().map(key -> key.substring(key.indexOf(','))).toList());
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM pipeline.suspended_foreign_key")).isZero();
        assertThat(SqlRows.count(warehouse, """
                SELECT count(*) FROM pg_stat_user_tables
                 WHERE relname = 'fact_payment' AND last_analyze IS NOT NULL""")).as("facts analysed").isOne();
    }

    @Test
    void foreignKeysACrashLeftDroppedAreAddedBackByTheNextBatch() throws Exception {
        path.bulk = false;
        new ToteSysSimulator(world.totesysOwner(), 52).seed(0.01);
        runPipeline();
        List<String> declared = foreignKeys();
        // As a bulk batch leaves them when its process dies between dropping and adding them
        try (Connection connection = warehouse.getConnection()) {
            assertThat(ForeignKeys.suspend(connection, BatchId.startingAt(Instant.now()),
                    settings.lockTimeout())).isTrue();
        }
        assertThat(foreignKeys()).isEmpty();

        DatabaseServer.execute(world.totesysOwner(), "UPDATE sales_order SET units_sold = 77, last_updated = now() "
                + "WHERE sales_order_id = 1");
        runPipeline();

        assertThat(foreignKeys()).hasSize(FOREIGN_KEYS).allMatch(key -> key.endsWith(",t)"))
                .extracting(key -> key.substring(key.indexOf(',')))
                .containsExactlyElementsOf(declared.stream().map(key -> key.substring(key.indexOf(','))).toList());
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM pipeline.suspended_foreign_key")).isZero();
        assertThat(SqlRows.of(warehouse, "SELECT units_sold FROM fact_sales_order_current WHERE sales_order_id = 1"))
                .containsExactly("(77)");
    }

    /**
     * Issue 25, point 5: the owner adds back what {@code pipeline.suspended_foreign_key} records,
     * and a row there that its text would make run something else (SQL an earlier release let the
     * runtime role write) or that its parts would (a name that is not a column, a table that is not
     * the star schema's) runs nothing, while a key an earlier release recorded as text alone is
     * added back.
     */
    @Test
    void aCraftedRowAmongTheSuspendedForeignKeysRunsNothing() throws Exception {
        path.bulk = false;
        new ToteSysSimulator(world.totesysOwner(), 54).seed(0.01);
        runPipeline();
        List<String> declared = foreignKeys();
        DatabaseServer.execute(warehouse, "CREATE TABLE public.injection_canary (id integer)",
                "ALTER TABLE public.fact_payment DROP CONSTRAINT fact_payment_currency_id_fkey");
        try (CapturedLog log = CapturedLog.of(ForeignKeys.class)) {
            DatabaseServer.execute(warehouse, """
                    INSERT INTO pipeline.suspended_foreign_key (table_name, constraint_name, definition, batch_id)
                    VALUES ('fact_payment', 'fact_payment_currency_id_fkey',
                            'FOREIGN KEY (currency_id) REFERENCES public.dim_currency(currency_id)', 'earlier'),
                           ('fact_payment', 'crafted', 'FOREIGN KEY (currency_id) REFERENCES '
                            || 'public.dim_currency(currency_id); DROP TABLE public.injection_canary', 'crafted')""",
                    """
                            INSERT INTO pipeline.suspended_foreign_key (table_name, constraint_name, definition,
                                        batch_id, columns, referenced_schema, referenced_table, referenced_columns,
                                        match_full, on_update, on_delete, is_deferrable, initially_deferred, validated)
                            VALUES ('fact_payment', 'crafted parts', '', 'crafted',
                                    ARRAY['currency_id) REFERENCES public.dim_currency; '
                                          || 'DROP TABLE public.injection_canary;--'],
                                    'public', 'dim_currency', ARRAY['currency_id'],
                                    false, 'a', 'a', false, false, true),
                                   ('injection_canary', 'crafted table', '', 'crafted', ARRAY['id'], 'public',
                                    'dim_currency', ARRAY['currency_id'], false, 'a', 'a', false, false, true)""");

            DatabaseServer.execute(world.totesysOwner(), "UPDATE payment SET payment_amount = 77, last_updated = "
                    + "now() WHERE payment_id = 1");
            runPipeline();

            assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM pg_tables WHERE tablename = "
                    + "'injection_canary'")).as("the crafted text did not run").isOne();
            assertThat(foreignKeys()).as("the key recorded as text alone is back, nothing else is")
                    .hasSize(FOREIGN_KEYS).allMatch(key -> key.endsWith(",t)"))
                    .extracting(key -> key.substring(key.indexOf(',')))
                    .containsExactlyElementsOf(declared.stream().map(key -> key.substring(key.indexOf(','))).toList());
            assertThat(SqlRows.column(warehouse, "SELECT constraint_name FROM pipeline.suspended_foreign_key"))
                    .as("the crafted rows stay for the operator to look at")
                    .containsExactlyInAnyOrder("crafted", "crafted parts", "crafted table");
            assertThat(log.lines()).anyMatch(line -> line.startsWith("WARN") && line.contains("fact_payment.crafted "))
                    .anyMatch(line -> line.startsWith("WARN") && line.contains("fact_payment.crafted parts"))
                    .anyMatch(line -> line.startsWith("WARN") && line.contains("injection_canary.crafted table"));
            assertThat(SqlRows.of(warehouse, "SELECT payment_amount FROM fact_payment_current WHERE payment_id = 1"))
                    .containsExactly("(77.00)");
        } finally {
            DatabaseServer.execute(warehouse, "DELETE FROM pipeline.suspended_foreign_key",
                    "ALTER TABLE public.fact_payment DROP CONSTRAINT IF EXISTS crafted",
                    "ALTER TABLE public.fact_payment DROP CONSTRAINT IF EXISTS \"crafted parts\"",
                    "DROP TABLE IF EXISTS public.injection_canary");
        }
    }

    @Test
    void aBulkBatchThatCannotLockTheTablesInTimeLoadsWithItsForeignKeysInPlace() throws Exception {
        path.bulk = true;
        new ToteSysSimulator(world.totesysOwner(), 53).seed(0.01);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        List<String> declared = foreignKeys();
        try (Connection reader = warehouse.getConnection(); Statement statement = reader.createStatement()) {
            // A long report holds its lock on a fact table for the whole load
            reader.setAutoCommit(false);
            statement.executeQuery("SELECT count(*) FROM fact_sales_order").close();
            PipelineStages.run(producer, PipelineStage.LOAD);
            assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_sales_order")).isPositive();
            reader.rollback();
        }
        assertThat(foreignKeys()).as("the foreign keys never left").isEqualTo(declared);
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM pipeline.suspended_foreign_key")).isZero();
    }

    /**
     * A bulk batch copies a fact that holds no row yet straight into its table, object by
     * object, and counts the rows only as they go in: when an object turns out not to hold what
     * its manifest says, the rows it (and any object of the fact before it) copied go, and the
     * fact's rows of the batch are left out whole, as they are when staged, while the other
     * tables load.
     */
    @Test
    void aFactCopiedStraightInLosesEveryRowOfTheBatchWhenItsObjectIsBad() throws Exception {
        path.bulk = true;
        new ToteSysSimulator(world.totesysOwner(), 52).seed(0.05);
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        LakeContents processed = new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET);
        String manifestKey = processed.keys("input/_manifests/").get(0);
        ObjectNode manifest = (ObjectNode) json.readTree(processed.readBytes(manifestKey));
        List<JsonNode> payments = new ArrayList<>();
        manifest.withArray("objects").forEach(entry -> {
            if (entry.get("table").asText().equals(WarehouseTable.FACT_PAYMENT.tableName())) {
                payments.add(entry);
            }
        });
        assertThat(payments).as("fact_payment's objects in the batch").isNotEmpty();
        ObjectNode last = (ObjectNode) payments.get(payments.size() - 1);
        last.put("rows", last.get("rows").asLong() + 1);
        world.s3().putObject(request -> request.bucket(EmbeddedWorld.PROCESSED_BUCKET).key(manifestKey),
                RequestBody.fromBytes(json.writeValueAsBytes(manifest)));

        PipelineStages.run(producer, PipelineStage.LOAD);

        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_payment"))
                .as("fact_payment rows of the batch, its earlier objects copied before the last one failed")
                .isZero();
        assertThat(SqlRows.count(warehouse, "SELECT count(*) FROM fact_sales_order"))
                .isEqualTo(SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM sales_order"));
        assertThat(SqlRows.of(warehouse, "SELECT jsonb_array_length(quarantined) FROM pipeline.load_batch"))
                .containsExactly("(1)");
        assertThat(foreignKeys()).as("every foreign key declared and valid again").hasSize(FOREIGN_KEYS)
                .allMatch(key -> key.endsWith(",t)"));
    }

    private void runPipeline() {
        PipelineStages.run(producer, PipelineStage.EXTRACT);
        PipelineStages.run(producer, PipelineStage.TRANSFORM);
        PipelineStages.run(producer, PipelineStage.LOAD);
    }

    /** The foreign keys in {@code public}: (its object id, table, name, definition, whether it is valid). */
    private List<String> foreignKeys() {
        return SqlRows.column(warehouse, """
                SELECT format('(%s,%s,%s,%s,%s)', oid, conrelid::regclass, conname, pg_get_constraintdef(oid),
                              convalidated)
                  FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace
                 ORDER BY conrelid::regclass::text, conname""");
    }

    private static List<String> starSchemaTables() {
        List<String> tables = new ArrayList<>();
        for (WarehouseTable table : WarehouseTable.values()) {
            tables.add(table.tableName());
        }
        WarehouseDeletions.tables().forEach(table -> tables.add(WarehouseDeletions.tableName(table)));
        return tables;
    }

    /**
     * Every table whole (facts with their batches, dimensions with the batch that wrote each
     * row), every table of deletions, every current view, and the load log, each in order. A
     * fact's record id is left out: it numbers the versions in the order they were appended,
     * and a bulk batch copies a fact that holds no row yet straight in, in its Parquet objects'
     * order, where a batch merged through staging appends them in key order.
     */
    private Map<String, List<String>> everyTable() {
        Map<String, List<String>> rows = new LinkedHashMap<>();
        for (String table : starSchemaTables()) {
            rows.put(table, withoutRecordIds(table));
        }
        for (WarehouseTable table : WarehouseDeletions.tables()) {
            rows.put(table.tableName() + "_current", withoutRecordIds(table.tableName() + "_current"));
        }
        rows.put("load_batch", SqlRows.of(warehouse,
                "SELECT batch_id, high_water, row_counts, quarantined, manifest_created_at FROM pipeline.load_batch"));
        return rows;
    }

    private List<String> withoutRecordIds(String relation) {
        String recordColumn = Arrays.stream(WarehouseTable.values()).filter(WarehouseTable::isFact)
                .filter(fact -> relation.startsWith(fact.tableName())).map(WarehouseTable::recordColumn)
                .findFirst().orElse("");
        return SqlRows.of(warehouse, "SELECT to_jsonb(r) - '" + recordColumn + "' FROM " + relation + " r ORDER BY 1");
    }

    /** The path the test chooses for every batch, whatever its size. */
    static final class ChosenPath extends BulkLoadPolicy {

        volatile boolean bulk;

        ChosenPath(LoadSettings settings) {
            super(settings);
        }

        @Override
        boolean isBulk(BatchManifest manifest, LongSupplier factRows) {
            return bulk;
        }
    }
}
