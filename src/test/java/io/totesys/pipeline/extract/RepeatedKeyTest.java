package io.totesys.pipeline.extract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.schemadrift.SchemaChanges;
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
 * Issue 24, point 5: ToteSys's primary key on {@code sales_order} is dropped and a key
 * repeats. The extract holds that table alone, with one WARN line naming it and the key, and
 * says so where schema holds are seen ({@code pipeline.source_schema.held_reason}, readiness
 * data, the held-table gauges); every other table flows. Once the extra row is gone and the
 * key restored, {@code sales_order} catches up with nothing missed or doubled.
 */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class RepeatedKeyTest {

    @Inject
    ProducerTemplate producer;

    @Inject
    SchemaChanges schemaChanges;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);
    private final List<String> warnings = new CopyOnWriteArrayList<>();
    private final Handler warningLines = new Handler() {
        @Override
        public void publish(LogRecord record) {
            if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
                warnings.add(record instanceof ExtLogRecord extended ? extended.getFormattedMessage()
                        : record.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void aSmallToteSysThroughThePipeline() {
        toteSysKeyRestored();
        ToteSysFixture.reset(world);
        new ToteSysSimulator(world.totesysOwner(), 31).seed(0.01);
        PipelineStages.runEach(producer);
        Logger.getLogger(SchemaChanges.class.getName()).addHandler(warningLines);
    }

    @AfterEach
    void toteSysKeyRestored() {
        Logger.getLogger(SchemaChanges.class.getName()).removeHandler(warningLines);
        DatabaseServer.execute(world.totesysOwner(), """
                DELETE FROM sales_order extra USING sales_order first
                 WHERE extra.sales_order_id = first.sales_order_id AND extra.ctid > first.ctid""", """
                DO $$ BEGIN
                    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'sales_order_pkey') THEN
                        ALTER TABLE sales_order ADD CONSTRAINT sales_order_pkey PRIMARY KEY (sales_order_id);
                    END IF;
                    IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'transaction_sales_order_id_fkey') THEN
                        ALTER TABLE transaction ADD CONSTRAINT transaction_sales_order_id_fkey
                            FOREIGN KEY (sales_order_id) REFERENCES sales_order ON DELETE SET NULL;
                    END IF;
                END $$""");
    }

    @Test
    void aRepeatedKeyHoldsItsTableAloneUntilItIsPutRight() {
        DatabaseServer.execute(world.totesysOwner(),
                "ALTER TABLE sales_order DROP CONSTRAINT sales_order_pkey CASCADE",
                "INSERT INTO sales_order SELECT * FROM sales_order WHERE sales_order_id = 3",
                "UPDATE sales_order SET units_sold = units_sold + 100, last_updated = now() WHERE sales_order_id = 3",
                "UPDATE sales_order SET units_sold = 4242, last_updated = now() WHERE sales_order_id = 5",
                "UPDATE payment SET paid = NOT paid, last_updated = now() WHERE payment_id = 1",
                "UPDATE address SET city = 'Harrogate', last_updated = now() WHERE address_id = 2");

        PipelineStages.runEach(producer);
        PipelineStages.runEach(producer);

        assertThat(warnings).filteredOn(line -> line.startsWith("Extract holds sales_order"))
                .as("one line naming the table and the key").hasSize(1).first().asString()
                .contains("sales_order_id 3 is in 2 rows");
        assertThat(schemaChanges.heldTables()).containsOnlyKeys("sales_order");
        assertThat(SqlRows.text(world.databases().warehouse(),
                "SELECT held_reason FROM pipeline.source_schema WHERE table_name = 'sales_order'"))
                .contains("sales_order_id 3 is in 2 rows");
        for (WarehouseTable table : List.of(WarehouseTable.FACT_PAYMENT, WarehouseTable.DIM_LOCATION,
                WarehouseTable.DIM_COUNTERPARTY)) {
            assertThat(StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(), table)).as(table.tableName())
                    .isEqualTo(StarSchemaFromToteSys.rows(world.totesysOwner(), table));
        }
        assertThat(versions("sales_order 3 ")).as("order 3 while held").hasSize(1);
        assertThat(versions("sales_order 5 ")).as("order 5 while held").hasSize(1);

        DatabaseServer.execute(world.totesysOwner(), """
                DELETE FROM sales_order extra USING sales_order first
                 WHERE extra.sales_order_id = 3 AND first.sales_order_id = 3 AND extra.ctid > first.ctid""",
                "ALTER TABLE sales_order ADD CONSTRAINT sales_order_pkey PRIMARY KEY (sales_order_id)");
        PipelineStages.runEach(producer);

        assertThat(schemaChanges.heldTables()).isEmpty();
        assertThat(SqlRows.count(world.databases().warehouse(),
                "SELECT count(*) FROM pipeline.source_schema WHERE held_reason IS NOT NULL")).isZero();
        assertThat(versions("sales_order 3 ")).as("order 3, caught up").hasSize(2);
        assertThat(versions("sales_order 5 ")).as("order 5, caught up").hasSize(2);
        PipelineOutcome.assertNothingLostOrDoubled(world);
        assertThat(ReconciliationRun.run(producer, world).agreed()).isTrue();
    }

    /** While the key stays unique without its primary key, nothing is held. */
    @Test
    void aTableWithoutItsPrimaryKeyFlowsWhileNoKeyRepeats() {
        DatabaseServer.execute(world.totesysOwner(),
                "ALTER TABLE sales_order DROP CONSTRAINT sales_order_pkey CASCADE",
                "UPDATE sales_order SET units_sold = 4242, last_updated = now() WHERE sales_order_id = 5");

        PipelineStages.runEach(producer);

        assertThat(schemaChanges.heldTables()).isEmpty();
        assertThat(versions("sales_order 5 ")).hasSize(2);
        PipelineOutcome.assertNothingLostOrDoubled(world);
    }

    private List<String> versions(String prefix) {
        return ingest.extractedRowVersions().stream().filter(version -> version.startsWith(prefix)).toList();
    }
}
