package io.totesys.pipeline.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import org.apache.iceberg.FileScanTask;
import org.apache.iceberg.Snapshot;
import org.apache.iceberg.Table;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.data.IcebergGenerics;
import org.apache.iceberg.data.Record;
import org.apache.iceberg.io.CloseableIterable;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.util.SnapshotUtil;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.totesys.pipeline.starschema.WarehouseColumn;
import io.totesys.pipeline.starschema.WarehouseDeletions;
import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ObjectStoreServer;

/**
 * The lake's Iceberg tables as another engine sees them: Iceberg's own JDBC catalog, connected
 * the way docs/architecture.md#iceberg-tables tells Spark and Trino to connect (the catalog's
 * schema in the URL, Iceberg's S3 file IO with the lake's endpoint and credentials), and
 * Iceberg's own reader. Values come back as Java values (integers, decimals, dates, times,
 * booleans, text), rendered as text to compare with the warehouse's. As a test's extension
 * ({@code @RegisterExtension}), it closes its catalog after each test.
 */
public final class IcebergTables implements AutoCloseable, AfterEachCallback {

    /** The summary key that names a snapshot's batch. */
    public static final String BATCH_ID = "totesys.batch-id";

    private final Map<String, String> properties = new LinkedHashMap<>();
    private JdbcCatalog catalog;

    /** The catalog connects at its first use: the service makes the catalog's tables as it migrates its schemas. */
    public IcebergTables(EmbeddedWorld world) {
        properties.put("uri", world.databases().jdbcUrl(DatabaseServer.WAREHOUSE_DATABASE)
                + "?currentSchema=iceberg_catalog");
        properties.put("jdbc.user", DatabaseServer.WAREHOUSE_USER);
        properties.put("jdbc.password", DatabaseServer.WAREHOUSE_PASSWORD);
        properties.put("jdbc.schema-version", "V1");
        properties.put("jdbc.init-catalog-tables", "false");
        properties.put("warehouse", "s3://" + EmbeddedWorld.PROCESSED_BUCKET + "/tables");
        properties.put("io-impl", "org.apache.iceberg.aws.s3.S3FileIO");
        properties.put("s3.endpoint", world.objectStore().endpoint());
        properties.put("s3.path-style-access", "true");
        properties.put("s3.access-key-id", ObjectStoreServer.ACCESS_KEY);
        properties.put("s3.secret-access-key", ObjectStoreServer.SECRET_KEY);
        properties.put("client.region", ObjectStoreServer.REGION);
    }

    public Table table(WarehouseTable table) {
        return table(table.tableName());
    }

    private Table table(String name) {
        if (catalog == null) {
            catalog = new JdbcCatalog();
            catalog.initialize("totesys", properties);
        }
        return catalog.loadTable(TableIdentifier.of(Namespace.of("star_schema"), name));
    }

    /** The table's snapshots from the first to the current one. */
    public List<Snapshot> history(WarehouseTable table) {
        List<Snapshot> snapshots = new ArrayList<>();
        SnapshotUtil.currentAncestors(table(table)).forEach(snapshots::add);
        Collections.reverse(snapshots);
        return snapshots;
    }

    /** The batch ids of the table's snapshots, oldest first, one per snapshot. */
    public List<String> batches(WarehouseTable table) {
        return history(table).stream().map(snapshot -> snapshot.summary().get(BATCH_ID)).toList();
    }

    /**
     * The keys in the processed bucket of the data files the table's current snapshot lists,
     * checking that it lists no delete file: the files are the table.
     */
    public List<String> dataFileKeys(WarehouseTable table) {
        List<String> keys = new ArrayList<>();
        try (CloseableIterable<FileScanTask> files = table(table).newScan().planFiles()) {
            for (FileScanTask file : files) {
                assertThat(file.deletes()).as("%s: no delete files", table.tableName()).isEmpty();
                keys.add(file.file().location().substring(("s3://" + EmbeddedWorld.PROCESSED_BUCKET + "/").length()));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return keys;
    }

    /** The commit keys of the table's snapshots, oldest first: a batch's id, or a replay's. */
    public List<String> commitKeys(WarehouseTable table) {
        return history(table).stream().map(snapshot -> snapshot.summary().get("totesys.commit-key")).toList();
    }

    /** The table's current rows (its columns as the warehouse table has them), sorted. */
    public List<String> rows(WarehouseTable table) {
        return rows(table, null);
    }

    /** The table's rows as of a snapshot, sorted; {@code null}: the current one. */
    public List<String> rows(WarehouseTable table, Long snapshotId) {
        return rows(table(table), table.columnNames(), snapshotId);
    }

    /**
     * The rows of the table of a table's deletions ({@code star_schema.<table>_deletion}): each
     * deleted key with the date and time its deletion was first seen, sorted; none when no
     * batch has deleted a row of the table yet (the table is made by the first that does).
     */
    public List<String> deletions(WarehouseTable table) {
        String name = WarehouseDeletions.tableName(table);
        table(table); // the catalog, connected
        if (!catalog.tableExists(TableIdentifier.of(Namespace.of("star_schema"), name))) {
            return List.of();
        }
        return rows(table(name), WarehouseDeletions.columnNames(table), null);
    }

    private static List<String> rows(Table iceberg, List<String> columns, Long snapshotId) {
        var scan = IcebergGenerics.read(iceberg).select(columns);
        if (snapshotId != null) {
            scan = scan.useSnapshot(snapshotId);
        }
        List<String> rows = new ArrayList<>();
        try (CloseableIterable<Record> records = scan.build()) {
            for (Record record : records) {
                rows.add(columns.stream().map(column -> text(record.getField(column)))
                        .collect(Collectors.joining("|")));
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return rows.stream().sorted().toList();
    }

    /**
     * What the Iceberg table should hold, from the warehouse: a dimension's current members
     * ({@code <table>_current}), a fact's every version; the table's own columns, sorted.
     */
    public static List<String> warehouseRows(DataSource warehouse, WarehouseTable table) {
        String from = table.isFact() ? table.tableName() : table.tableName() + "_current";
        if (table == WarehouseTable.DIM_DATE) {
            from = table.tableName();
        }
        return warehouseRows(warehouse, table.columns(), from);
    }

    /** What the table of a table's deletions should hold: the warehouse's {@code <table>_deletion}, sorted. */
    public static List<String> warehouseDeletions(DataSource warehouse, WarehouseTable table) {
        return warehouseRows(warehouse, WarehouseDeletions.columns(table), WarehouseDeletions.tableName(table));
    }

    private static List<String> warehouseRows(DataSource warehouse, List<WarehouseColumn> of, String from) {
        String columns = of.stream().map(WarehouseColumn::sqlName).collect(Collectors.joining(", "));
        List<String> rows = new ArrayList<>();
        try (Connection connection = warehouse.getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery("SELECT " + columns + " FROM public." + from)) {
            ResultSetMetaData metadata = result.getMetaData();
            while (result.next()) {
                List<String> values = new ArrayList<>();
                for (int column = 1; column <= metadata.getColumnCount(); column++) {
                    values.add(text(switch (metadata.getColumnType(column)) {
                        case Types.DATE -> result.getObject(column, LocalDate.class);
                        case Types.TIME -> result.getObject(column, LocalTime.class);
                        default -> result.getObject(column);
                    }));
                }
                rows.add(String.join("|", values));
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return rows.stream().sorted(Comparator.naturalOrder()).toList();
    }

    /**
     * Runs {@code run} with the catalog refusing every change of its tables (a trigger on
     * {@code iceberg_catalog.iceberg_tables} raises), as a catalog that cannot be written: every
     * commit fails, and the making of every table, while tables are read as before, so that a
     * batch's parts and manifest are written all the same.
     */
    public static void withTheCatalogRefusingCommits(EmbeddedWorld world, Runnable run) {
        DatabaseServer.execute(world.databases().warehouse(), """
                CREATE FUNCTION iceberg_catalog.refuse_commit() RETURNS trigger LANGUAGE plpgsql
                AS $$ BEGIN RAISE EXCEPTION 'the test refuses Iceberg commits'; END $$""",
                "CREATE TRIGGER refuse_commit BEFORE INSERT OR UPDATE OR DELETE ON iceberg_catalog.iceberg_tables "
                        + "FOR EACH ROW EXECUTE FUNCTION iceberg_catalog.refuse_commit()");
        try {
            run.run();
        } finally {
            DatabaseServer.execute(world.databases().warehouse(),
                    "DROP TRIGGER refuse_commit ON iceberg_catalog.iceberg_tables",
                    "DROP FUNCTION iceberg_catalog.refuse_commit()");
        }
    }

    /**
     * Asserts that each table's current snapshot holds what the warehouse holds, and that no
     * batch is more than one snapshot of a table; says how many rows it compared.
     */
    public static long assertEqualTheWarehouse(EmbeddedWorld world) throws Exception {
        long compared = 0;
        try (IcebergTables tables = new IcebergTables(world)) {
            for (WarehouseTable table : WarehouseTable.values()) {
                List<String> rows = tables.rows(table);
                assertThat(rows).as("Iceberg table %s", table.tableName())
                        .isEqualTo(warehouseRows(world.databases().warehouse(), table));
                assertThat(tables.commitKeys(table))
                        .as("%s: one snapshot per batch (and per replay of it)", table.tableName())
                        .doesNotHaveDuplicates();
                compared += rows.size();
            }
            for (WarehouseTable table : WarehouseDeletions.tables()) {
                List<String> rows = tables.deletions(table);
                assertThat(rows).as("Iceberg table %s", WarehouseDeletions.tableName(table))
                        .isEqualTo(warehouseDeletions(world.databases().warehouse(), table));
                compared += rows.size();
            }
        }
        return compared;
    }

    /**
     * {@link #assertEqualTheWarehouse} once it holds: a running service commits a batch to the
     * tables after it has woken the load, and a commit that failed (S3 or the catalog away) is
     * made again by the transform's next run. Says how many rows it compared; on timeout the
     * error is the last comparison's.
     */
    public static long awaitEqualTheWarehouse(EmbeddedWorld world, Duration timeout) {
        AtomicLong compared = new AtomicLong();
        Awaitility.await("the lake's Iceberg tables equal the warehouse").atMost(timeout)
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> compared.set(assertEqualTheWarehouse(world)));
        return compared.get();
    }

    private static String text(Object value) {
        if (value instanceof BigDecimal decimal) {
            return decimal.toPlainString();
        }
        return Objects.toString(value);
    }

    @Override
    public void close() throws Exception {
        if (catalog != null) {
            catalog.close();
            catalog = null;
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        close();
    }
}
