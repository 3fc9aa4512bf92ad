package io.totesys.pipeline.iceberg;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;

import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.Schema;
import org.apache.iceberg.Table;
import org.apache.iceberg.UpdateSchema;
import org.apache.iceberg.aws.AwsClientProperties;
import org.apache.iceberg.aws.s3.S3FileIO;
import org.apache.iceberg.aws.s3.S3FileIOProperties;
import org.apache.iceberg.catalog.Namespace;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.AlreadyExistsException;
import org.apache.iceberg.exceptions.NoSuchTableException;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.jdbc.UncheckedSQLException;
import org.apache.iceberg.types.Types;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.lake.LakeClientProducer;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.lake.LakeSettings;
import io.totesys.pipeline.starschema.LakeTable;
import io.totesys.pipeline.starschema.WarehouseColumn;

/**
 * The lake's Iceberg catalog (docs/architecture.md#iceberg-tables): Iceberg's
 * {@link JdbcCatalog} in the warehouse database (schema {@code iceberg_catalog}), its tables'
 * data and metadata in the processed bucket through Iceberg's S3 file IO, one table per star
 * schema table and one per table's deletions ({@link LakeTable}) in the namespace
 * {@code star_schema}. It is made when a stage first needs it,
 * so that a warehouse that is away is one more failure the stage reports, not a failed start.
 * A table is created the first time a batch writes it, and gains the columns an operator
 * added since ({@code ETL_STAR_SCHEMA_ADDED_COLUMNS}).
 */
@ApplicationScoped
public class StarSchemaCatalog {

    private static final Logger LOG = Logger.getLogger(StarSchemaCatalog.class);

    private final AgroalDataSource warehouse;
    private final LakeSettings lake;
    private final IcebergSettings settings;
    private final String warehouseUrl;
    private final Map<LakeTable, Table> tables = new ConcurrentHashMap<>();
    private JdbcCatalog catalog;

    StarSchemaCatalog(AgroalDataSource warehouse, LakeSettings lake, IcebergSettings settings,
            @ConfigProperty(name = "quarkus.datasource.jdbc.url") String warehouseUrl) {
        this.warehouse = warehouse;
        this.lake = lake;
        this.settings = settings;
        this.warehouseUrl = warehouseUrl;
    }

    /**
     * The Iceberg table of a star schema table, created if it is not there yet, with every
     * column it has now: those an operator added since included. Tables are made side by side,
     * each under a lock of its own.
     */
    public Table table(LakeTable table) {
        Table iceberg = tables.computeIfAbsent(table, this::loadOrCreate);
        if (table.columns().stream().anyMatch(column -> iceberg.schema().findField(column.name()) == null)) {
            synchronized (iceberg) {
                iceberg.refresh();
                addColumns(table, iceberg);
            }
        }
        return iceberg;
    }

    /**
     * The field ids of a table's columns: its Iceberg table's, or, for a table not made yet,
     * those its making will give them (the columns in order from 1), so that a batch's first
     * parts are written while the tables are made beside its commits, not before its parts.
     */
    public Map<String, Integer> fieldIds(LakeTable table) {
        Schema schema = made(table).map(Table::schema).orElseGet(() -> IcebergTableLayout.schema(table));
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (WarehouseColumn column : table.columns()) {
            Types.NestedField field = schema.findField(column.name());
            if (field == null) {
                throw new IllegalStateException("the Iceberg table " + identifier(table) + " has no column "
                        + column.name());
            }
            ids.put(column.name(), field.fieldId());
        }
        return ids;
    }

    /**
     * The table as its catalog holds it now: what other writers (upkeep, a replay) committed
     * since included; one catalog query, and a read of the table's metadata only when another
     * writer committed. A table dropped from the catalog since is made again.
     */
    public Table current(LakeTable table) {
        Table iceberg = table(table);
        try {
            iceberg.refresh();
        } catch (NoSuchTableException e) {
            LOG.infof("Iceberg table %s is no longer in the catalog %s (dropped); it is made again", iceberg.name(),
                    settings.catalogName());
            tables.remove(table);
            return table(table);
        }
        return iceberg;
    }

    /**
     * The table as its catalog holds it now, if a batch has made it: none is made, and one
     * dropped from the catalog since is left dropped.
     */
    public Optional<Table> currentIfMade(LakeTable table) {
        Table iceberg = tables.get(table);
        if (iceberg == null) {
            return made(table);
        }
        try {
            iceberg.refresh();
            return Optional.of(iceberg);
        } catch (NoSuchTableException e) {
            tables.remove(table);
            return Optional.empty();
        }
    }

    /**
     * The table, if a batch has made it: the one at hand, or else the catalog's, loaded once
     * (one catalog query when it is not there), and kept.
     */
    private Optional<Table> made(LakeTable table) {
        if (!tables.containsKey(table)) {
            try {
                tables.putIfAbsent(table, catalog().loadTable(identifier(table)));
            } catch (NoSuchTableException e) {
                return Optional.empty();
            }
        }
        return Optional.of(table(table));
    }

    /** A property of the star schema's namespace, if it has it. */
    public Optional<String> namespaceProperty(String name) {
        JdbcCatalog jdbc = catalog();
        Namespace namespace = Namespace.of(LakeLayout.STAR_SCHEMA);
        return jdbc.namespaceExists(namespace)
                ? Optional.ofNullable(jdbc.loadNamespaceMetadata(namespace).get(name))
                : Optional.empty();
    }

    /** Sets a property of the star schema's namespace, making the namespace if it is not there yet. */
    public void setNamespaceProperty(String name, String value) {
        JdbcCatalog jdbc = catalog();
        Namespace namespace = Namespace.of(LakeLayout.STAR_SCHEMA);
        if (jdbc.namespaceExists(namespace)) {
            jdbc.setProperties(namespace, Map.of(name, value));
        } else {
            jdbc.createNamespace(namespace, Map.of(name, value));
        }
    }

    /** The catalog's identifier of a lake table: {@code star_schema.<table>}. */
    public static TableIdentifier identifier(LakeTable table) {
        return TableIdentifier.of(Namespace.of(LakeLayout.STAR_SCHEMA), table.name());
    }

    /** Where the catalog keeps its tables: {@code s3://<processed bucket>/tables}. */
    public String warehouseLocation() {
        return "s3://" + lake.processedBucket() + "/" + LakeLayout.TABLES;
    }

    /** The catalog's name, which Spark, Trino and Flink give theirs to see the tables. */
    public String catalogName() {
        return settings.catalogName();
    }

    private Table loadOrCreate(LakeTable table) {
        JdbcCatalog jdbc = catalog();
        TableIdentifier identifier = identifier(table);
        Table iceberg;
        try {
            iceberg = jdbc.loadTable(identifier);
        } catch (NoSuchTableException e) {
            try {
                Schema schema = IcebergTableLayout.schema(table);
                iceberg = jdbc.buildTable(identifier, schema)
                        .withPartitionSpec(IcebergTableLayout.partitionSpec(schema))
                        .withProperties(IcebergTableLayout.properties(table))
                        .create();
                if (!iceberg.schema().sameSchema(schema)) {
                    throw new IllegalStateException("Iceberg made " + identifier + " with other field ids than the "
                            + "columns' order gives: " + iceberg.schema());
                }
                LOG.infof("Iceberg table %s.%s created at %s", settings.catalogName(), identifier, iceberg.location());
            } catch (AlreadyExistsException raced) {
                iceberg = jdbc.loadTable(identifier);
            } catch (UncheckedSQLException failed) {
                iceberg = madeMeanwhile(jdbc, identifier, failed);
            }
        }
        addColumns(table, iceberg);
        return iceberg;
    }

    /**
     * The table another writer (a second replica) made while this one tried to: on PostgreSQL,
     * the catalog's unique key refuses the second, and Iceberg's JDBC catalog reports that as
     * an unknown failure rather than as the table being there already.
     */
    private static Table madeMeanwhile(JdbcCatalog jdbc, TableIdentifier identifier, UncheckedSQLException failed) {
        try {
            return jdbc.loadTable(identifier);
        } catch (NoSuchTableException notMade) {
            throw failed;
        }
    }

    /** Adds to the Iceberg table the columns an operator added to its star schema table since it was made. */
    private static void addColumns(LakeTable table, Table iceberg) {
        UpdateSchema update = null;
        Map<String, String> properties = new LinkedHashMap<>();
        for (WarehouseColumn column : table.columns()) {
            if (iceberg.schema().findField(column.name()) == null) {
                if (update == null) {
                    update = iceberg.updateSchema();
                }
                update.addColumn(column.name(), IcebergTableLayout.type(column));
                properties.putAll(IcebergTableLayout.metricsProperties(column));
            }
        }
        if (update != null) {
            update.commit();
            if (!properties.isEmpty()) {
                var changes = iceberg.updateProperties();
                properties.forEach(changes::set);
                changes.commit();
            }
            LOG.infof("Iceberg table %s gained the columns %s", iceberg.name(), iceberg.schema().columns().stream()
                    .map(Types.NestedField::name).toList());
        }
    }

    private synchronized JdbcCatalog catalog() {
        if (catalog == null) {
            JdbcCatalog jdbc = new JdbcCatalog(properties -> fileIo(properties),
                    properties -> new CatalogConnections(warehouse, warehouseUrl, properties), false);
            jdbc.initialize(settings.catalogName(), catalogProperties());
            catalog = jdbc;
        }
        return catalog;
    }

    private S3FileIO fileIo(Map<String, String> properties) {
        S3FileIO io = new S3FileIO(() -> LakeClientProducer.newClient(lake));
        io.initialize(properties);
        return io;
    }

    /**
     * The catalog's properties as the service uses them: the warehouse database's URL (the
     * connections are the warehouse pool's), the tables' location, Iceberg's S3 file IO with the
     * lake's endpoint and path-style access, and the catalog's tables left to the pipeline's
     * migrations.
     */
    private Map<String, String> catalogProperties() {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put(CatalogProperties.URI, warehouseUrl);
        properties.put(CatalogProperties.WAREHOUSE_LOCATION, warehouseLocation());
        properties.put(CatalogProperties.FILE_IO_IMPL, S3FileIO.class.getName());
        properties.put("jdbc.schema-version", "V1");
        properties.put("jdbc.init-catalog-tables", "false");
        lake.s3().endpoint().ifPresent(endpoint -> {
            properties.put(S3FileIOProperties.ENDPOINT, endpoint);
            properties.put(S3FileIOProperties.PATH_STYLE_ACCESS, "true");
        });
        lake.s3().region().ifPresent(region -> properties.put(AwsClientProperties.CLIENT_REGION, region));
        return properties;
    }

    @PreDestroy
    synchronized void close() {
        if (catalog != null) {
            catalog.close();
        }
    }
}
