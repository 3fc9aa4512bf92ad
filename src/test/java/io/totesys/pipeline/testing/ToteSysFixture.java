package io.totesys.pipeline.testing;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import io.totesys.pipeline.starschema.WarehouseDeletions;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;

/** Puts ToteSys, the pipeline's state and the lake back to empty between tests. */
public final class ToteSysFixture {

    private static final String SOURCE_TABLES = "address, counterparty, currency, department, design, payment_type, "
            + "staff, sales_order, purchase_order, transaction, payment";

    private static final String STAR_SCHEMA = "fact_sales_order, fact_purchase_order, fact_payment, dim_date, "
            + "dim_staff, dim_location, dim_design, dim_currency, dim_counterparty, dim_payment_type, dim_transaction";

    private ToteSysFixture() {
    }

    public static void reset(EmbeddedWorld world) {
        emptyToteSys(world.totesysOwner());
        if (exists(world.totesysOwner(), ToteSysAudit.VERSIONS)) {
            DatabaseServer.execute(world.totesysOwner(), "TRUNCATE " + ToteSysAudit.VERSIONS);
        }
        resetPipeline(world);
    }

    /**
     * Empties the pipeline's state, the star schema and the lake, ToteSys left as it is: the
     * next extract batch reads every table whole again.
     */
    public static void resetPipeline(EmbeddedWorld world) {
        DataSource warehouse = world.databases().warehouse();
        if (exists(warehouse, "pipeline.extract_watermark")) {
            DatabaseServer.execute(warehouse, "TRUNCATE pipeline.extract_watermark, pipeline.extract_batch, "
                    + "pipeline.source_key_range, pipeline.source_key_range_staged");
        }
        if (exists(warehouse, "pipeline.source_schema")) {
            DatabaseServer.execute(warehouse, "TRUNCATE pipeline.source_schema, pipeline.source_schema_change");
        }
        if (exists(warehouse, "pipeline.source_row_checksum")) {
            DatabaseServer.execute(warehouse, "TRUNCATE pipeline.source_row_checksum, "
                    + "pipeline.source_row_checksum_staged, pipeline.reconcile_run");
        }
        if (exists(warehouse, "pipeline.reference_row")) {
            DatabaseServer.execute(warehouse, "TRUNCATE pipeline.reference_row, pipeline.calendar_coverage");
        }
        if (exists(warehouse, "pipeline.reconcile_request")) {
            DatabaseServer.execute(warehouse, "TRUNCATE pipeline.reconcile_request");
        }
        if (exists(warehouse, "pipeline.replay_request")) {
            DatabaseServer.execute(warehouse, "TRUNCATE pipeline.replay_request");
        }
        if (exists(warehouse, "pipeline.quarantined_batch")) {
            DatabaseServer.execute(warehouse, "TRUNCATE pipeline.quarantined_batch");
        }
        if (exists(warehouse, "pipeline.load_batch")) {
            DatabaseServer.execute(warehouse, "TRUNCATE pipeline.load_batch, " + STAR_SCHEMA + " RESTART IDENTITY");
        }
        if (exists(warehouse, "public.fact_payment_deletion")) {
            DatabaseServer.execute(warehouse, "TRUNCATE " + WarehouseDeletions.tables().stream()
                    .map(WarehouseDeletions::tableName).collect(Collectors.joining(", ")));
        }
        if (exists(warehouse, "iceberg_catalog.iceberg_tables")) {
            DatabaseServer.execute(warehouse,
                    "TRUNCATE iceberg_catalog.iceberg_tables, iceberg_catalog.iceberg_namespace_properties");
        }
        new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET).clear();
        new LakeContents(world.s3(), EmbeddedWorld.PROCESSED_BUCKET).clear();
    }

    /** Empties ToteSys's tables, as its owner, and starts their keys at 1 again. */
    public static void emptyToteSys(DataSource owner) {
        DatabaseServer.execute(owner, "TRUNCATE " + SOURCE_TABLES + " RESTART IDENTITY CASCADE");
    }

    private static boolean exists(DataSource dataSource, String table) {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
            result.next();
            return result.getBoolean(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
