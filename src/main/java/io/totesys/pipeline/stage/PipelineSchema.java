package io.totesys.pipeline.stage;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.postgresql.core.Utils;

/**
 * The pipeline's own schemas in the warehouse database, under Flyway's control. They are
 * migrated once the warehouse first answers, not at start-up, so that a warehouse that is
 * down or misconfigured is reported like any other failure instead of aborting the start.
 * <p>
 * With an owner role configured ({@code WAREHOUSE_OWNER_USERNAME}), the owner runs the
 * migrations and then grants the runtime role ({@code WAREHOUSE_USERNAME}) what the stages
 * need and nothing more: to connect and make temporary tables (the load's staging), to use
 * its schemas, to read and write their tables and sequences, but for
 * {@value #OWNER_ONLY_TABLE}, which it may only read, and to truncate
 * {@value #TRUNCATED_TABLE}. Without one, the
 * runtime role owns and migrates the schemas itself.
 * <p>
 * The operator's own migrations ({@link WarehouseExtension}, {@code ETL_STAR_SCHEMA_MIGRATIONS})
 * follow the pipeline's, by the same role; then the warehouse is checked against the
 * settings that depend on them, and a failed check fails every stage with its one line until
 * it passes.
 */
@ApplicationScoped
public class PipelineSchema {

    /** The schemas the migrations make: the pipeline's state, the star schema and the lake's Iceberg catalog. */
    static final List<String> SCHEMAS = List.of("pipeline", "public", "iceberg_catalog");

    /**
     * What the owner reads to run DDL as the owner (the foreign keys a bulk batch dropped): the
     * runtime role may read it, never write it.
     */
    static final String OWNER_ONLY_TABLE = "pipeline.suspended_foreign_key";

    /** What the runtime role may truncate besides reading and writing it: the extract's staged checksums. */
    static final String TRUNCATED_TABLE = "pipeline.source_row_checksum_staged";

    /** The history table of the operator's own migrations, beside the pipeline's. */
    static final String OPERATOR_HISTORY_TABLE = "operator_schema_history";
    private static final String REFRESH_CURRENT_VIEWS = "SELECT pipeline.refresh_current_views()";

    private final Flyway flyway;
    private final WarehouseOwnerSettings owner;
    private final WarehouseExtension extension;
    private final String url;
    private final String runtimeRole;
    private volatile boolean migrated;

    PipelineSchema(Flyway flyway, WarehouseOwnerSettings owner, WarehouseExtension extension,
            @ConfigProperty(name = "quarkus.datasource.jdbc.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") String runtimeRole) {
        this.flyway = flyway;
        this.owner = owner;
        this.extension = extension;
        this.url = url;
        this.runtimeRole = runtimeRole;
    }

    /**
     * Migrates the schemas unless done already; the first stage to need them, or
     * {@code StartBesideCamel} as the service starts, runs it, the others wait for it.
     */
    public void ensureMigrated() {
        if (!migrated) {
            synchronized (this) {
                if (!migrated) {
                    migrate();
                    migrated = true;
                }
            }
        }
    }

    private void migrate() {
        if (owner.username().isEmpty() || owner.username().get().equals(runtimeRole)) {
            flyway.migrate();
            migrateOperators(flyway);
        } else {
            Flyway asOwner = Flyway.configure(flyway.getConfiguration().getClassLoader())
                    .configuration(flyway.getConfiguration())
                    .dataSource(url, owner.username().get(), owner.password().orElse(null))
                    .load();
            asOwner.migrate();
            migrateOperators(asOwner);
            try (Connection connection = asOwner.getConfiguration().getDataSource().getConnection();
                    Statement statement = connection.createStatement()) {
                for (String grant : runtimeGrants(connection.getCatalog(), runtimeRole)) {
                    statement.execute(grant);
                }
            } catch (SQLException e) {
                throw new FlywayException("granting the runtime role " + runtimeRole + " its rights failed: "
                        + e.getMessage(), e);
            }
        }
        try (Connection connection = flyway.getConfiguration().getDataSource().getConnection()) {
            extension.check(connection);
        } catch (SQLException e) {
            throw new PipelineStateException("checking the warehouse's added columns failed: " + e.getMessage(), e);
        }
    }

    /**
     * Applies the operator's own migrations, if any, after the pipeline's, as the same role,
     * with their own history table in {@code pipeline}: their versions start at 1 and never
     * meet the pipeline's. Their SQL names its tables with their schema
     * ({@code public.fact_sales_order}). When one was applied, the facts' {@code *_current}
     * views are made again (V13), so that they show a column it added. Quarkus's resource provider, which lists the
     * pipeline's migrations as they were at build time, is dropped so that Flyway reads the folder.
     */
    private void migrateOperators(Flyway pipeline) {
        Optional<String> folder = extension.migrations();
        if (folder.isEmpty()) {
            return;
        }
        MigrateResult applied = Flyway.configure(pipeline.getConfiguration().getClassLoader())
                .configuration(pipeline.getConfiguration())
                .locations("filesystem:" + folder.get())
                .resourceProvider(null)
                .javaMigrationClassProvider(null)
                .table(OPERATOR_HISTORY_TABLE)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .load()
                .migrate();
        if (applied.migrationsExecuted == 0) {
            return;
        }
        try (Connection connection = pipeline.getConfiguration().getDataSource().getConnection();
                Statement statement = connection.createStatement()) {
            statement.execute(REFRESH_CURRENT_VIEWS);
        } catch (SQLException e) {
            throw new FlywayException("making the facts' current views again after the migrations in "
                    + "ETL_STAR_SCHEMA_MIGRATIONS failed: " + e.getMessage(), e);
        }
    }

    /** What the runtime role needs in the warehouse database, and nothing more. */
    static List<String> runtimeGrants(String database, String role) throws SQLException {
        String grantee = identifier(role);
        String schemas = String.join(", ", SCHEMAS);
        return List.of(
                "GRANT CONNECT, TEMPORARY ON DATABASE " + identifier(database) + " TO " + grantee,
                "GRANT USAGE ON SCHEMA " + schemas + " TO " + grantee,
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schemas + " TO " + grantee,
                "GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA " + schemas + " TO " + grantee,
                // A published batch's staged checksums are all the table holds: truncated, not deleted
                "GRANT TRUNCATE ON " + TRUNCATED_TABLE + " TO " + grantee,
                // The owner adds back the foreign keys recorded there: the runtime role only reads it
                "REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON " + OWNER_ONLY_TABLE + " FROM " + grantee);
    }

    private static String identifier(String name) throws SQLException {
        return Utils.escapeIdentifier(new StringBuilder(), name).toString();
    }
}
