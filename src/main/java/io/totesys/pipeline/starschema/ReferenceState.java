package io.totesys.pipeline.starschema;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.csv.SourceRow;
import io.totesys.pipeline.stage.PipelineStateException;

/**
 * The transform stage's state in the warehouse database: the current version of the
 * reference rows dimensions join, and the calendar that {@code dim_date} covers.
 * <p>
 * Every write is idempotent: a reference row only ever moves to a version at least as new
 * as the one held, and a batch's calendar coverage is keyed by the batch. A batch
 * transformed again after a crash therefore computes the same rows.
 */
@ApplicationScoped
public class ReferenceState {

    /**
     * The first and the last day every batch but one covered: an index look-up each (V19),
     * whatever the coverage holds (each batch's, and the fold of forgotten batches').
     */
    public static final String COVERAGE_BEFORE = "SELECT min(first_date), max(last_date) FROM pipeline.calendar_coverage WHERE batch_id <> ?";

    /** The calendar days covered before a batch, if any batch covered days. */
    public record Coverage(LocalDate first, LocalDate last) {
    }

    private static final TypeReference<List<String>> TEXTS = new TypeReference<>() {
    };

    private final AgroalDataSource warehouse;
    private final ObjectMapper json;

    ReferenceState(AgroalDataSource warehouse, ObjectMapper json) {
        this.warehouse = warehouse;
        this.json = json;
    }

    /**
     * Keeps the latest version of each row by the batch that brought it, whatever its stamp
     * says (a late commit, a skewed clock); within a batch, by {@code last_updated}. A row a
     * batch deleted comes back only with a version of that batch or a later one: a replayed
     * older batch never brings a deleted row back.
     */
    public void remember(BatchId batchId, Collection<SourceRow> rows) {
        String sql = """
                INSERT INTO pipeline.reference_row (table_name, row_id, last_updated, batch_id, row_values)
                VALUES (?, ?, ?, ?, ?::jsonb)
                ON CONFLICT (table_name, row_id) DO UPDATE
                   SET last_updated = excluded.last_updated, batch_id = excluded.batch_id,
                       row_values = excluded.row_values, deleted = false
                 WHERE CASE WHEN reference_row.deleted THEN excluded.batch_id >= reference_row.batch_id
                            ELSE (excluded.batch_id, excluded.last_updated)
                                 >= (reference_row.batch_id, reference_row.last_updated) END""";
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            for (SourceRow row : rows) {
                statement.setString(1, row.table().tableName());
                statement.setInt(2, row.id());
                statement.setObject(3, row.lastUpdated());
                statement.setString(4, batchId.value());
                statement.setString(5, json.writeValueAsString(row.texts()));
                statement.addBatch();
            }
            statement.executeBatch();
        } catch (SQLException | JsonProcessingException e) {
            throw new PipelineStateException("remembering reference rows of batch " + batchId + " failed", e);
        }
    }

    /**
     * Marks rows deleted from ToteSys by a batch, so that a dimension that joins them is not
     * built from them again (a deleted counterparty when its former legal address changes).
     * A row a newer batch brought stays: a replayed older batch that deleted it deletes
     * nothing. A deleted row is kept, marked with the batch, so that an older batch replayed
     * later does not bring it back ({@link #remember}).
     */
    public void forget(BatchId batchId, SourceTable table, Collection<Integer> ids) {
        if (ids.isEmpty()) {
            return;
        }
        String sql = """
                INSERT INTO pipeline.reference_row (table_name, row_id, last_updated, batch_id, row_values, deleted)
                SELECT ?, id, '-infinity', ?, '[]', true FROM unnest(?::integer[]) AS id
                ON CONFLICT (table_name, row_id) DO UPDATE SET batch_id = excluded.batch_id, deleted = true
                 WHERE reference_row.batch_id <= excluded.batch_id""";
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, table.tableName());
            statement.setString(2, batchId.value());
            statement.setArray(3, connection.createArrayOf("integer", ids.toArray()));
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new PipelineStateException("forgetting deleted rows of " + table.tableName() + " failed", e);
        }
    }

    /** The current rows of a table with the given ids. */
    public Map<Integer, SourceRow> rows(SourceTable table, Collection<Integer> ids) {
        return query(table, "row_id = ANY (?)", ids);
    }

    /** The current rows of a table whose integer column holds one of the given values. */
    public Map<Integer, SourceRow> rowsReferencing(SourceTable table, String column, Collection<Integer> ids) {
        return query(table, "(row_values ->> " + table.columnIndex(column) + ")::integer = ANY (?)", ids);
    }

    private Map<Integer, SourceRow> query(SourceTable table, String condition, Collection<Integer> ids) {
        Map<Integer, SourceRow> rows = new HashMap<>();
        if (ids.isEmpty()) {
            return rows;
        }
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT row_values::text FROM pipeline.reference_row WHERE table_name = ? AND NOT deleted AND "
                                + condition)) {
            Array idArray = connection.createArrayOf("integer", ids.toArray());
            statement.setString(1, table.tableName());
            statement.setArray(2, idArray);
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    SourceRow row = SourceRow.fromTexts(table, json.readValue(result.getString(1), TEXTS));
                    rows.put(row.id(), row);
                }
            }
            return rows;
        } catch (SQLException | JsonProcessingException e) {
            throw new PipelineStateException("reading reference rows of " + table.tableName() + " failed", e);
        }
    }

    /** The days covered by every batch but the given one: what the batch finds already there. */
    public Optional<Coverage> coverageBefore(BatchId batchId) {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(COVERAGE_BEFORE)) {
            statement.setString(1, batchId.value());
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                LocalDate first = result.getObject(1, LocalDate.class);
                return first == null ? Optional.empty()
                        : Optional.of(new Coverage(first, result.getObject(2, LocalDate.class)));
            }
        } catch (SQLException e) {
            throw new PipelineStateException("reading the calendar coverage failed", e);
        }
    }

    public void covered(BatchId batchId, LocalDate first, LocalDate last) {
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement("""
                        INSERT INTO pipeline.calendar_coverage (batch_id, first_date, last_date) VALUES (?, ?, ?)
                        ON CONFLICT (batch_id) DO UPDATE SET first_date = excluded.first_date,
                                                             last_date = excluded.last_date""")) {
            statement.setString(1, batchId.value());
            statement.setObject(2, first);
            statement.setObject(3, last);
            statement.executeUpdate();
        } catch (SQLException e) {
            throw new PipelineStateException("recording the calendar coverage of batch " + batchId + " failed", e);
        }
    }
}
