package io.totesys.pipeline.schemadrift;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.source.RepeatedKey;
import io.totesys.pipeline.source.SourceSchema;
import io.totesys.pipeline.stage.PipelineMetrics;
import io.totesys.pipeline.stage.PipelineStateException;

/**
 * What ToteSys changed in its tables since the extractor last looked, and which tables the
 * extract holds because of it.
 * <p>
 * Each batch compares every table's columns ({@link SourceSchema}) with those recorded in
 * {@code pipeline.source_schema} (or, the first time, with the catalogue's names). Each
 * change (a column added, dropped, renamed, retyped) is said once: a WARN line, the counter
 * {@code pipeline_schema_changes_total{table}}, a row in {@code pipeline.source_schema_change}
 * with the batch that first saw it.
 * <p>
 * Independently of what changed, a table is held while a column the star schema needs is
 * missing or has a type the star schema cannot take ({@link SourceSchema#conflicts}): one
 * ERROR line says which column and what to do when the hold starts, the gauges
 * {@code pipeline_schema_held_tables} and {@code pipeline_schema_held{table}} and the health
 * data say so while it lasts, and the table resumes by itself once the column fits again,
 * with one INFO line (the hold is recorded with the columns, so a restart in between does
 * not lose it). A table one of whose keys is in more than one row ({@link RepeatedKey}: its
 * primary key was dropped) is held the same way, with one WARN line naming the key.
 */
@ApplicationScoped
public class SchemaChanges {

    private record Recorded(List<ColumnChanges.RecordedColumn> columns, String fingerprint, String heldReason) {
    }

    private static final Logger LOG = Logger.getLogger(SchemaChanges.class);
    private static final TypeReference<List<ColumnChanges.RecordedColumn>> COLUMNS = new TypeReference<>() {
    };

    private final AgroalDataSource warehouse;
    private final ObjectMapper json;
    private final PipelineMetrics metrics;
    private volatile Map<SourceTable, String> holds = Map.of();

    SchemaChanges(AgroalDataSource warehouse, ObjectMapper json, PipelineMetrics metrics) {
        this.warehouse = warehouse;
        this.json = json;
        this.metrics = metrics;
    }

    /**
     * The tables a batch holds: those whose columns the star schema cannot take ({@link #review}),
     * or, with {@code ETL_SCHEMA_CHANGE_POLICY=hold-pipeline}, none: the batch fails instead.
     */
    public Set<SourceTable> held(BatchId batchId, Map<SourceTable, SourceSchema> schemas, SchemaChangePolicy policy) {
        Map<SourceTable, String> conflicts = review(batchId, schemas);
        if (!conflicts.isEmpty() && policy == SchemaChangePolicy.HOLD_PIPELINE) {
            throw new SchemaChangeException("Extract holds every table (ETL_SCHEMA_CHANGE_POLICY=hold-pipeline) for "
                    + String.join(" Also ", conflicts.values()));
        }
        return conflicts.keySet();
    }

    /**
     * Records and reports what changed in each table since the last batch, and returns the
     * tables whose columns the star schema cannot take now, each with its one-line reason.
     */
    Map<SourceTable, String> review(BatchId batchId, Map<SourceTable, SourceSchema> schemas) {
        Map<SourceTable, Recorded> recorded = recorded();
        Map<SourceTable, String> held = hold(schemas);
        List<ColumnChanges.Change> changes = new ArrayList<>();
        Map<SourceTable, SourceSchema> toRecord = new EnumMap<>(SourceTable.class);
        for (SourceSchema schema : schemas.values()) {
            Recorded before = recorded.get(schema.table());
            boolean columnsChanged = before == null
                    || !before.fingerprint().equals(schema.manifestSchema().fingerprint());
            if (columnsChanged) {
                changes.addAll(ColumnChanges.changes(schema,
                        before == null ? ColumnChanges.catalogued(schema.table()) : before.columns()));
            }
            if (columnsChanged || !Objects.equals(before.heldReason(), held.get(schema.table()))) {
                toRecord.put(schema.table(), schema);
            }
        }
        if (!toRecord.isEmpty()) {
            record(batchId, changes, toRecord, held);
            changes.forEach(change -> {
                LOG.warn(ColumnChanges.describe(change, schemas.get(change.table()), batchId));
                metrics.schemaChanged(change.table().tableName());
            });
            toRecord.keySet().stream()
                    .filter(table -> !held.containsKey(table) && recorded.containsKey(table)
                            && recorded.get(table).heldReason() != null)
                    .forEach(table -> LOG.infof("Extract resumes %s: %s; batch %s reads every change since it was "
                            + "held", table.tableName(),
                            isRepeatedKey(table, recorded.get(table).heldReason()) ? "its key is unique again"
                                    : "its columns fit the star schema again",
                            batchId));
        }
        return held;
    }

    /** The tables held now, each with its one-line reason, by table name. */
    public Map<String, String> heldTables() {
        Map<String, String> held = new TreeMap<>();
        holds.forEach((table, reason) -> held.put(table.tableName(), reason));
        return held;
    }

    private Map<SourceTable, String> hold(Map<SourceTable, SourceSchema> schemas) {
        Map<SourceTable, String> now = new EnumMap<>(SourceTable.class);
        for (SourceSchema schema : schemas.values()) {
            List<SourceSchema.Conflict> conflicts = schema.conflicts();
            if (!conflicts.isEmpty()) {
                now.put(schema.table(), reason(schema, conflicts));
            } else if (schema.repeatedKey().isPresent()) {
                now.put(schema.table(), repeatedKeyReason(schema.table(), schema.repeatedKey().get()));
            }
        }
        Map<SourceTable, String> before = holds;
        now.forEach((table, reason) -> {
            if (!reason.equals(before.get(table))) {
                if (isRepeatedKey(table, reason)) {
                    LOG.warnf("Extract holds %s", reason);
                } else {
                    LOG.errorf("Extract holds %s", reason);
                }
            }
        });
        holds = Map.copyOf(now);
        metrics.heldTables(now.keySet().stream().map(SourceTable::tableName).collect(Collectors.toSet()));
        return now;
    }

    private static String reason(SourceSchema schema, List<SourceSchema.Conflict> conflicts) {
        String table = schema.table().tableName();
        List<String> uncatalogued = schema.uncatalogued();
        return table + ": " + conflicts.stream()
                .map(conflict -> "its column " + conflict.column() + ", which the star schema needs, "
                        + conflict.problem())
                .collect(Collectors.joining("; "))
                + (schema.columns().isEmpty() ? " (ToteSys has no table " + table + " the reader can see)"
                        : uncatalogued.isEmpty() ? ""
                                : " (columns ToteSys has that the catalogue does not: "
                                        + String.join(", ", uncatalogued)
                                        + ")")
                + ". Its changes wait in ToteSys, nothing is lost: restore the column in ToteSys, or deploy a "
                + "release whose catalogue maps the new one (docs/operations.md#when-totesys-changes-its-schema), and "
                + table + " resumes where it stopped";
    }

    /**
     * Why a table whose key repeats is held: a key is one row in the lake, the mirror of its
     * checksums and the star schema, so the table waits, alone, until the key is unique again.
     */
    private static String repeatedKeyReason(SourceTable table, RepeatedKey repeated) {
        String name = table.tableName();
        return name + ": " + repeated.describe(table) + ". Its changes wait in ToteSys, nothing is lost: delete the "
                + "extra rows and restore the primary key (ALTER TABLE " + name + " ADD PRIMARY KEY ("
                + table.primaryKey() + ")), and " + name + " resumes where it stopped";
    }

    private static boolean isRepeatedKey(SourceTable table, String reason) {
        return reason.startsWith(table.tableName() + ": its key ");
    }

    private Map<SourceTable, Recorded> recorded() {
        Map<SourceTable, Recorded> recorded = new EnumMap<>(SourceTable.class);
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT table_name, columns, fingerprint, held_reason FROM pipeline.source_schema");
                ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                List<ColumnChanges.RecordedColumn> columns = json.readValue(rows.getString(2), COLUMNS);
                Recorded record = new Recorded(columns, rows.getString(3), rows.getString(4));
                SourceTable.byTableName(rows.getString(1)).ifPresent(table -> recorded.put(table, record));
            }
            return recorded;
        } catch (SQLException | JsonProcessingException e) {
            throw new PipelineStateException("reading the recorded columns of ToteSys's tables failed", e);
        }
    }

    private void record(BatchId batchId, List<ColumnChanges.Change> changes, Map<SourceTable, SourceSchema> schemas,
            Map<SourceTable, String> held) {
        try (Connection connection = warehouse.getConnection()) {
            connection.setAutoCommit(false);
            try {
                try (PreparedStatement statement = connection.prepareStatement("""
                        INSERT INTO pipeline.source_schema_change
                               (table_name, change, column_name, renamed_to, old_type, new_type, batch_id)
                        VALUES (?, ?, ?, ?, ?, ?, ?)""")) {
                    for (ColumnChanges.Change change : changes) {
                        statement.setString(1, change.table().tableName());
                        statement.setString(2, change.kind().label());
                        statement.setString(3, change.column());
                        statement.setString(4, change.renamedTo());
                        statement.setString(5, change.oldType());
                        statement.setString(6, change.newType());
                        statement.setString(7, batchId.value());
                        statement.addBatch();
                    }
                    statement.executeBatch();
                }
                try (PreparedStatement statement = connection.prepareStatement("""
                        INSERT INTO pipeline.source_schema (table_name, columns, fingerprint, held_reason, batch_id)
                        VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (table_name) DO UPDATE
                           SET columns = excluded.columns, fingerprint = excluded.fingerprint,
                               held_reason = excluded.held_reason, batch_id = excluded.batch_id,
                               recorded_at = now()""")) {
                    for (SourceSchema schema : schemas.values()) {
                        statement.setString(1, schema.table().tableName());
                        statement.setString(2, json.writeValueAsString(schema.columns().stream()
                                .map(column -> new ColumnChanges.RecordedColumn(column.name(), column.type(),
                                        column.position()))
                                .toList()));
                        statement.setString(3, schema.manifestSchema().fingerprint());
                        statement.setString(4, held.get(schema.table()));
                        statement.setString(5, batchId.value());
                        statement.addBatch();
                    }
                    statement.executeBatch();
                }
                connection.commit();
            } catch (SQLException | JsonProcessingException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException | JsonProcessingException e) {
            throw new PipelineStateException("recording the changes of ToteSys's tables failed", e);
        }
    }
}
