package io.totesys.pipeline.extract;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.catalogue.SourceTable;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.SourceKeys;
import io.totesys.pipeline.mirror.ChecksumMirror;
import io.totesys.pipeline.mirror.PublishedChecksums;
import io.totesys.pipeline.source.ReadHorizon;
import io.totesys.pipeline.source.TransactionSnapshot;
import io.totesys.pipeline.stage.PipelineStateException;

/**
 * The extractor's durable state in the warehouse database (schema {@code pipeline}): where
 * each table was read up to (its read horizon, and the source time of that batch), the keys
 * the lake holds as live, and the log of extract batches. A restart resumes from here.
 */
@ApplicationScoped
public class ExtractState {

    private static final Logger LOG = Logger.getLogger(ExtractState.class);

    /** A batch that was started but neither published nor abandoned: a crash left it. */
    public record UnfinishedBatch(BatchId batchId, LocalDateTime highWater) {
    }

    /**
     * Where a table was read up to.
     *
     * @param highWater the source time of the last batch's snapshot
     * @param readHorizon the transactions whose row versions the lake holds, or {@code null}
     *        when the table was last read before read horizons were kept
     */
    public record Position(LocalDateTime highWater, ReadHorizon readHorizon) {
    }

    private final AgroalDataSource warehouse;

    ExtractState(AgroalDataSource warehouse) {
        this.warehouse = warehouse;
    }

    /** Where each table was read up to; tables never read are absent. */
    public Map<SourceTable, Position> positions() {
        Map<SourceTable, Position> positions = new EnumMap<>(SourceTable.class);
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT table_name, high_water, read_horizon FROM pipeline.extract_watermark");
                ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                String horizon = rows.getString(3);
                Position position = new Position(rows.getObject(2, LocalDateTime.class),
                        horizon == null ? null : ReadHorizon.parse(horizon));
                SourceTable.byTableName(rows.getString(1)).ifPresent(table -> positions.put(table, position));
            }
            return positions;
        } catch (SQLException e) {
            throw new PipelineStateException("reading the extract watermarks failed", e);
        }
    }

    /** The keys each table's rows the lake holds as live. */
    public Map<SourceTable, SourceKeys> liveKeys() {
        try (Connection connection = warehouse.getConnection()) {
            return SourceKeyRanges.live(connection);
        } catch (SQLException e) {
            throw new PipelineStateException("reading the keys the lake holds failed", e);
        }
    }

    public List<UnfinishedBatch> unfinishedBatches() {
        List<UnfinishedBatch> batches = new ArrayList<>();
        try (Connection connection = warehouse.getConnection();
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT batch_id, high_water FROM pipeline.extract_batch WHERE status = 'STARTED' ORDER BY batch_id");
                ResultSet rows = statement.executeQuery()) {
            while (rows.next()) {
                batches.add(
                        new UnfinishedBatch(new BatchId(rows.getString(1)), rows.getObject(2, LocalDateTime.class)));
            }
            return batches;
        } catch (SQLException e) {
            throw new PipelineStateException("reading unfinished extract batches failed", e);
        }
    }

    /**
     * Records that a batch is about to write objects, before the first one is written, with
     * the tables it holds: publishing it, even after a restart, leaves their positions (and the
     * read horizons of the tables it skipped as unchanged, {@link UnchangedTables}); a
     * repair batch (reconciliation's) leaves the watermarks where they are when it is published.
     * The tables it reads whole are recorded too: publishing it replaces their checksums in the
     * mirror instead of merging them. Its low-water mark, where its changes start
     * ({@code null}: it reads every table whole), is where the warehouse is complete up to
     * while it waits for the load.
     */
    public void started(BatchId batchId, LocalDateTime highWater, LocalDateTime lowWater,
            TransactionSnapshot sourceSnapshot, Set<SourceTable> held, Set<SourceTable> unchanged,
            Set<SourceTable> whole, boolean repair) {
        update("recording the start of extract batch " + batchId, """
                INSERT INTO pipeline.extract_batch (batch_id, status, high_water, low_water, source_snapshot,
                                                    held_tables, unchanged_tables, whole_tables, repair)
                VALUES (?, 'STARTED', ?, ?, ?, ?, ?, ?, ?)""", batchId.value(), highWater, lowWater,
                sourceSnapshot.toString(), tableNames(held), unchanged.isEmpty() ? null : tableNames(unchanged),
                whole.isEmpty() ? null : tableNames(whole), repair);
    }

    private static String[] tableNames(Set<SourceTable> tables) {
        return tables.stream().map(SourceTable::tableName).toArray(String[]::new);
    }

    /**
     * Records, before a batch's manifest is written, what publishing it changes besides the
     * watermarks: the read horizon and the key ranges its rows and deletions changed.
     */
    public void staged(BatchId batchId, ReadHorizon readHorizon, Map<SourceTable, SourceKeys> keys) {
        inTransaction("staging extract batch " + batchId, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(
                    "UPDATE pipeline.extract_batch SET read_horizon = ? WHERE batch_id = ?")) {
                statement.setString(1, readHorizon.toString());
                statement.setString(2, batchId.value());
                statement.executeUpdate();
            }
            SourceKeyRanges.stage(connection, batchId, keys);
        });
    }

    /**
     * Publishes a batch whose manifest is in place: in one transaction, every table's
     * watermark moves to the batch's snapshot and read horizon (not for a repair batch), its
     * staged key ranges and row checksums become the live ones and the batch is marked
     * published. The row count is {@code null} when a restart completed the batch.
     */
    public void published(BatchId batchId, LocalDateTime highWater, Long rowCount) {
        inTransaction("publishing extract batch " + batchId, connection -> {
            String readHorizon = null;
            Set<SourceTable> held = EnumSet.noneOf(SourceTable.class);
            Set<SourceTable> unchanged = EnumSet.noneOf(SourceTable.class);
            Set<SourceTable> whole = EnumSet.noneOf(SourceTable.class);
            boolean repair = false;
            try (PreparedStatement statement = connection.prepareStatement("""
                    SELECT read_horizon, held_tables, whole_tables, repair, unchanged_tables
                      FROM pipeline.extract_batch WHERE batch_id = ?""")) {
                statement.setString(1, batchId.value());
                try (ResultSet batch = statement.executeQuery()) {
                    if (batch.next()) {
                        readHorizon = batch.getString(1);
                        held.addAll(tables(batch.getArray(2)));
                        whole.addAll(tables(batch.getArray(3)));
                        repair = batch.getBoolean(4);
                        unchanged.addAll(tables(batch.getArray(5)));
                    }
                }
            }
            if (!repair) {
                advance(connection, batchId, highWater, readHorizon, held, unchanged);
            }
            long started = System.nanoTime();
            PublishedChecksums.publish(connection, batchId, whole);
            LOG.debugf("Extract batch %s: checksums published in %d ms", batchId,
                    (System.nanoTime() - started) / 1_000_000);
            SourceKeyRanges.publishStaged(connection, batchId);
            try (PreparedStatement statement = connection.prepareStatement("""
                    UPDATE pipeline.extract_batch
                       SET status = 'PUBLISHED', row_count = ?, finished_at = now()
                     WHERE batch_id = ?""")) {
                statement.setObject(1, rowCount, java.sql.Types.BIGINT);
                statement.setString(2, batchId.value());
                statement.executeUpdate();
            }
        });
    }

    /**
     * Moves every table's watermark on after a poll that found no changes, with the key
     * ranges it changed (a table whose keys were first taken in) and, in the same transaction,
     * the checksums it staged for them: keys ToteSys has whose rows were never extracted go
     * into the mirror as {@link ChecksumMirror#NOT_EXTRACTED}, so that reconciliation reads
     * them again rather than adopting ToteSys's rows as the lake's.
     */
    public void advancedWithoutChanges(BatchId poll, LocalDateTime highWater, ReadHorizon readHorizon,
            Map<SourceTable, SourceKeys> keys, Set<SourceTable> held, Set<SourceTable> unchanged) {
        inTransaction("advancing the extract watermarks", connection -> {
            advance(connection, null, highWater, readHorizon.toString(), held, unchanged);
            SourceKeyRanges.write(connection, keys);
            PublishedChecksums.publish(connection, poll, EnumSet.noneOf(SourceTable.class));
        });
    }

    public void abandoned(BatchId batchId) {
        inTransaction("abandoning extract batch " + batchId, connection -> {
            SourceKeyRanges.discardStaged(connection, batchId);
            PublishedChecksums.discard(connection, batchId);
            try (PreparedStatement statement = connection.prepareStatement(
                    "UPDATE pipeline.extract_batch SET status = 'ABANDONED', finished_at = now() WHERE batch_id = ?")) {
                statement.setString(1, batchId.value());
                statement.executeUpdate();
            }
        });
    }

    private static Set<SourceTable> tables(Array names) throws SQLException {
        Set<SourceTable> tables = EnumSet.noneOf(SourceTable.class);
        if (names != null) {
            for (Object name : (Object[]) names.getArray()) {
                SourceTable.byTableName((String) name).ifPresent(tables::add);
            }
        }
        return tables;
    }

    /**
     * Moves every table's position on, but those of the tables the batch held; of the tables
     * it skipped as unchanged only the time moves, to {@link UnchangedTables#SETTLING} before
     * the batch's (a write is counted within a second or so of its commit, so the lake holds
     * every change up to then, as far as the counters can tell): their read horizons stay, so
     * that a write whose statistics counter was late is read by a later batch.
     */
    private static void advance(Connection connection, BatchId batchId, LocalDateTime highWater, String readHorizon,
            Set<SourceTable> held, Set<SourceTable> unchanged) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement("""
                INSERT INTO pipeline.extract_watermark (table_name, high_water, batch_id, read_horizon)
                VALUES (?, ?, ?, ?)
                ON CONFLICT (table_name) DO UPDATE
                   SET high_water = CASE WHEN ? THEN greatest(extract_watermark.high_water,
                                                              excluded.high_water - ?::interval)
                                         ELSE excluded.high_water END,
                       batch_id = coalesce(excluded.batch_id, extract_watermark.batch_id),
                       read_horizon = CASE WHEN ? THEN extract_watermark.read_horizon
                                           ELSE excluded.read_horizon END,
                       updated_at = now()""")) {
            for (SourceTable table : SourceTable.values()) {
                if (held.contains(table)) {
                    continue;
                }
                boolean skipped = unchanged.contains(table);
                statement.setString(1, table.tableName());
                statement.setObject(2, highWater);
                statement.setString(3, batchId == null || skipped ? null : batchId.value());
                statement.setString(4, readHorizon);
                statement.setBoolean(5, skipped);
                statement.setString(6, UnchangedTables.SETTLING.toMillis() + " milliseconds");
                statement.setBoolean(7, skipped);
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    private void update(String action, String sql, Object... parameters) {
        inTransaction(action, connection -> {
            try (PreparedStatement statement = connection.prepareStatement(sql)) {
                for (int index = 0; index < parameters.length; index++) {
                    statement.setObject(index + 1, parameters[index]);
                }
                statement.executeUpdate();
            }
        });
    }

    private interface Work {
        void run(Connection connection) throws SQLException;
    }

    private void inTransaction(String action, Work work) {
        try (Connection connection = warehouse.getConnection()) {
            connection.setAutoCommit(false);
            try {
                work.run(connection);
                connection.commit();
            } catch (SQLException | RuntimeException e) {
                connection.rollback();
                throw e;
            }
        } catch (SQLException e) {
            throw new PipelineStateException(action + " failed", e);
        }
    }
}
