package io.totesys.pipeline.warehouse;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.apache.avro.generic.GenericRecord;
import org.jboss.logging.Logger;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.starschema.StarSchemaRecords;
import io.totesys.pipeline.starschema.WarehouseColumn;
import io.totesys.pipeline.starschema.WarehouseDeletions;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * Merges a batch's staging tables into the star schema, set-wise: dimensions first, each
 * keeping the version of the latest batch that brought one, then facts, each gaining a row
 * per new version, after the dimension rows they refer to but the warehouse lacks are
 * inferred; then the deletions the batch brings, each recorded with the batch in
 * {@code <table>_deletion}: the deleted rows stay (facts keep their history, history facts
 * refer to dimension members), and the {@code *_current} views leave them out.
 */
final class StarSchemaMerge {

    private static final Logger LOG = Logger.getLogger(StarSchemaMerge.class);

    /** The memory each sort or hash of a bulk batch's merge may use before it spills to disk. */
    private static final String BULK_WORK_MEMORY = "64MB";

    private StarSchemaMerge() {
    }

    /**
     * Runs the merge in the batch's transaction; returns the rows each table gained, in table
     * order. The merge's statements are planned without JIT compilation: their estimates are
     * large enough to trigger it, and it would spend a second compiling each for nothing. A
     * bulk batch's plans are made from statistics: its staging tables are analysed once
     * filled, the dimensions once merged, before the facts that join them, and the facts
     * once appended, for the batches that follow.
     */
    static Map<String, Long> merge(LoadBatch load) throws SQLException {
        Connection connection = load.connection();
        BatchId batch = load.getId();
        boolean bulk = load.isBulk();
        Map<WarehouseTable, Long> copiedStraightIn = load.copiedStraightIn();
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET LOCAL jit = off");
            if (bulk) {
                statement.execute("SET LOCAL work_mem = '" + BULK_WORK_MEMORY + "'");
                statement.execute(MergeStatements.analyzeStaging());
            }
        }
        Map<String, Long> added = new LinkedHashMap<>();
        Set<String> checkedLater = bulk ? ForeignKeyRestore.validatedReferences(connection) : Set.of();
        Set<String> analyzed = null;
        for (WarehouseTable table : dimensionsThenFacts()) {
            if (table.isFact()) {
                if (bulk && analyzed == null) {
                    analyzed = Set.copyOf(added.keySet());
                    analyze(connection, analyzed);
                }
                inferMissingDimensionRows(connection, batch, table, copiedStraightIn.containsKey(table), checkedLater);
            }
            if (copiedStraightIn.containsKey(table)) {
                long rows = copiedStraightIn.get(table);
                if (rows > 0) {
                    added.put(table.tableName(), rows);
                }
                LOG.debugf("Load batch %s: %s copied straight in, %d rows", batch, table.tableName(), rows);
                continue;
            }
            long started = System.nanoTime();
            try (PreparedStatement statement = connection.prepareStatement(
                    mergeStatement(table, load.heldNoRow(table)))) {
                statement.setString(1, batch.value());
                long rows = statement.executeUpdate();
                if (rows > 0) {
                    added.put(table.tableName(), rows);
                }
            }
            LOG.debugf("Load batch %s: %s merged in %d ms", batch, table.tableName(),
                    (System.nanoTime() - started) / 1_000_000);
            if (!table.isFact() && WarehouseDeletions.recorded(table)) {
                execute(connection, MergeStatements.forgetEarlierDeletions(table), batch);
            }
        }
        for (WarehouseTable table : WarehouseDeletions.tables()) {
            long rows = execute(connection, MergeStatements.recordDeletions(table), batch);
            if (rows > 0) {
                added.put(WarehouseDeletions.tableName(table), rows);
            }
        }
        if (bulk) {
            Set<String> dimensions = analyzed == null ? Set.of() : analyzed;
            analyze(connection, added.keySet().stream().filter(table -> !dimensions.contains(table)).toList());
        }
        return added;
    }

    /**
     * The warehouse tables that hold no row, asked once in one statement as a batch opens
     * (under the load log's lock, so no other batch adds one meanwhile).
     */
    static Set<WarehouseTable> emptyTables(Connection connection) throws SQLException {
        Set<WarehouseTable> empty = EnumSet.noneOf(WarehouseTable.class);
        try (Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(MergeStatements.emptyTables())) {
            result.next();
            for (WarehouseTable table : WarehouseTable.values()) {
                if (result.getBoolean(table.ordinal() + 1)) {
                    empty.add(table);
                }
            }
        }
        return empty;
    }

    /**
     * The statement that merges a table's staged rows: into a table that holds no row yet (the
     * first batch), the same rows go in without looking each one up.
     */
    private static String mergeStatement(WarehouseTable table, boolean empty) {
        if (table.isFact()) {
            return empty ? MergeStatements.appendToEmpty(table) : MergeStatements.appendNewVersions(table);
        }
        return empty ? MergeStatements.insertIntoEmpty(table) : MergeStatements.upsert(table);
    }

    /**
     * Gathers the planner's statistics of the given warehouse tables, in the batch's
     * transaction (its own rows included), so that the next batch's merge is planned for what
     * they now hold rather than what they held before a large load.
     */
    private static void analyze(Connection connection, Collection<String> tables) throws SQLException {
        if (tables.isEmpty()) {
            return;
        }
        try (Statement statement = connection.createStatement()) {
            statement.execute(MergeStatements.analyze(tables));
        }
    }

    /** The rows the fact tables hold, as the planner's statistics estimate them (none when never analysed). */
    static long factRows(Connection connection) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(MergeStatements.estimatedRows())) {
            statement.setArray(1, connection.createArrayOf("text",
                    Arrays.stream(WarehouseTable.values()).filter(WarehouseTable::isFact)
                            .map(WarehouseTable::tableName).toArray()));
            try (ResultSet result = statement.executeQuery()) {
                result.next();
                return result.getLong(1);
            }
        }
    }

    private static long execute(Connection connection, String sql, BatchId batch) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, batch.value());
            return statement.executeUpdate();
        }
    }

    /**
     * Late-arriving dimensions: a fact can reach the warehouse before the dimension row it
     * refers to, when that row changed after the fact's batch was read (its new version
     * comes in a later batch). Such a dimension row is inserted as an inferred member, so
     * the foreign keys hold; the row's real version replaces it when its batch is loaded.
     * A reference a suspended foreign key checks when it is added back ({@code checkedLater})
     * is not looked up here: the key's validation reads the fact against the dimension anyway,
     * and only when it finds a row missing are the members inferred ({@link #inferLate}), so
     * that a bulk batch reads each fact once per reference instead of twice.
     */
    private static void inferMissingDimensionRows(Connection connection, BatchId batch, WarehouseTable fact,
            boolean copiedStraightIn, Set<String> checkedLater) throws SQLException {
        Map<String, List<WarehouseColumn>> referencesByDimension = fact.columns().stream()
                .filter(WarehouseColumn::isReference)
                .filter(column -> !checkedLater.contains(fact.tableName() + "." + column.name() + ">"
                        + column.references()))
                .collect(Collectors.groupingBy(WarehouseColumn::references, LinkedHashMap::new, Collectors.toList()));
        for (Map.Entry<String, List<WarehouseColumn>> references : referencesByDimension.entrySet()) {
            inferMissing(connection, batch, fact, references.getKey(), references.getValue(), copiedStraightIn);
        }
    }

    /**
     * What a foreign key being added back found missing: the members a fact of the batch refers
     * to in the dimension, inferred as {@link #inferMissingDimensionRows} would have; false when
     * the key is not a fact's reference to a dimension.
     */
    static boolean inferLate(LoadBatch load, String table, String dimension) throws SQLException {
        WarehouseTable fact = WarehouseTable.byTableName(table).filter(WarehouseTable::isFact).orElse(null);
        if (fact == null) {
            return false;
        }
        List<WarehouseColumn> references = fact.columns().stream()
                .filter(column -> column.isReference() && column.references().equals(dimension)).toList();
        if (references.isEmpty()) {
            return false;
        }
        inferMissing(load.connection(), load.getId(), fact, dimension, references,
                load.copiedStraightIn().containsKey(fact));
        return true;
    }

    private static void inferMissing(Connection connection, BatchId batch, WarehouseTable fact, String dimensionName,
            List<WarehouseColumn> references, boolean copiedStraightIn) throws SQLException {
        String columns = references.stream().map(WarehouseColumn::name).collect(Collectors.joining(", "));
        if (dimensionName.equals(WarehouseTable.DIM_DATE.tableName())) {
            addMissingDays(connection, batch, fact, references, columns, copiedStraightIn);
            return;
        }
        WarehouseTable dimension = WarehouseTable.byTableName(dimensionName).orElseThrow();
        List<Integer> inferred = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet keys = statement.executeQuery(
                        MergeStatements.inferMissingMembers(fact, references, dimension, copiedStraightIn))) {
            while (keys.next()) {
                inferred.add(keys.getInt(1));
            }
        }
        if (!inferred.isEmpty()) {
            LOG.warnf("Load batch %s: %s of %s refers to %s rows %s, not delivered yet; inferred them until "
                    + "their batch arrives", batch, columns, fact.tableName(), dimension.tableName(), inferred);
        }
    }

    /**
     * Days a fact refers to but {@code dim_date} lacks, because the batch that carried them
     * had its {@code dim_date} object quarantined: a day's row follows from the day alone, so
     * it is added whole ({@link StarSchemaRecords#date}), not as an inferred member.
     */
    private static void addMissingDays(Connection connection, BatchId batch, WarehouseTable fact,
            List<WarehouseColumn> references, String columnNames, boolean copiedStraightIn) throws SQLException {
        List<LocalDate> days = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet missing = statement
                        .executeQuery(MergeStatements.missingDays(fact, references, copiedStraightIn))) {
            while (missing.next()) {
                days.add(missing.getObject(1, LocalDate.class));
            }
        }
        if (days.isEmpty()) {
            return;
        }
        List<WarehouseColumn> columns = WarehouseTable.DIM_DATE.columns();
        try (PreparedStatement insert = connection
                .prepareStatement(MergeStatements.insertRow(WarehouseTable.DIM_DATE))) {
            for (LocalDate day : days) {
                GenericRecord row = StarSchemaRecords.date(day);
                for (int index = 0; index < columns.size(); index++) {
                    insert.setString(index + 1, columns.get(index).type().toText(row.get(index)));
                }
                insert.addBatch();
            }
            insert.executeBatch();
        }
        LOG.warnf("Load batch %s: %s of %s refers to %d days dim_date lacks; added them", batch, columnNames,
                fact.tableName(), days.size());
    }

    private static List<WarehouseTable> dimensionsThenFacts() {
        return Arrays.stream(WarehouseTable.values())
                .sorted(Comparator.comparing(WarehouseTable::isFact))
                .toList();
    }
}
