package io.totesys.pipeline.warehouse;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import org.apache.camel.Exchange;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.SynchronizationAdapter;
import org.jboss.logging.Logger;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.lake.LakeLayout;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * One load batch while it runs: the Parquet batch it loads and the warehouse transaction
 * it loads it in. It lives in the exchange property {@code loadBatch}; as a
 * {@link Synchronization} of the exchange it rolls back whatever was not committed and
 * gives the connection back when the exchange completes.
 */
public final class LoadBatch extends SynchronizationAdapter {

    private static final Logger LOG = Logger.getLogger(LoadBatch.class);

    private final BatchId id;
    private final String manifestKey;
    private final BatchManifest manifest;
    private final Connection connection;
    private final boolean pending;
    private final boolean bulk;
    private final Instant startedAt;
    private final List<BatchManifest.Quarantined> quarantined = new ArrayList<>();
    private final Set<WarehouseTable> emptyTables;
    private final Set<WarehouseTable> straightIn = EnumSet.noneOf(WarehouseTable.class);
    private final Map<WarehouseTable, Long> copiedStraightIn = new EnumMap<>(WarehouseTable.class);
    private volatile boolean committed;

    LoadBatch(BatchId id, Instant startedAt, String manifestKey, BatchManifest manifest, Connection connection,
            boolean pending, boolean bulk, Set<WarehouseTable> emptyTables,
            List<BatchManifest.Quarantined> quarantinedEarlier) {
        this.id = id;
        this.startedAt = startedAt;
        this.manifestKey = manifestKey;
        this.manifest = manifest;
        this.connection = connection;
        this.pending = pending;
        this.bulk = bulk;
        this.emptyTables = emptyTables.isEmpty() ? EnumSet.noneOf(WarehouseTable.class) : EnumSet.copyOf(emptyTables);
        if (bulk) {
            this.emptyTables.stream().filter(WarehouseTable::isFact).forEach(straightIn::add);
        }
        this.quarantined.addAll(quarantinedEarlier);
    }

    public BatchId getId() {
        return id;
    }

    /** Whether the batch still needs loading: false when the load log already has it. */
    public boolean isPending() {
        return pending;
    }

    /**
     * The batch's Parquet objects, in the star schema's table order, tables it does not know
     * last; then its deletions objects.
     */
    public List<BatchManifest.Entry> getObjects() {
        return Stream.concat(manifest.objects().stream()
                .sorted(Comparator.comparing(entry -> WarehouseTable.byTableName(entry.table()).orElse(null),
                        Comparator.nullsLast(Comparator.naturalOrder()))),
                manifest.deletions().stream())
                .toList();
    }

    /**
     * Whether an object of the same table and kind (rows or deletions) was quarantined: the
     * table's other objects of that kind are left out too.
     */
    boolean isQuarantined(BatchManifest.Entry object) {
        boolean deletions = LakeLayout.isDeletions(object.key());
        return quarantined.stream().anyMatch(left -> left.table().equals(object.table())
                && LakeLayout.isDeletions(left.key()) == deletions);
    }

    void quarantined(BatchManifest.Quarantined object) {
        quarantined.add(object);
    }

    List<BatchManifest.Quarantined> quarantined() {
        return List.copyOf(quarantined);
    }

    /**
     * Whether this is a bulk batch loading with the star schema's foreign keys dropped
     * ({@link ForeignKeys}), to be added again in its transaction.
     */
    boolean isBulk() {
        return bulk;
    }

    /**
     * Whether the batch copies a fact's rows straight into its table rather than staging them:
     * a bulk batch, for a fact that held no row when the batch began (under the load log's
     * lock, so no other batch adds one meanwhile). Every row it brings is then a new version,
     * and a batch's Parquet holds each version once (one row per key and table read from one
     * snapshot), so the merge's lookup and its sort have nothing to do.
     */
    boolean copiesStraightIn(WarehouseTable table) {
        return straightIn.contains(table);
    }

    /** Whether a warehouse table held no row when the batch began (under the load log's lock). */
    boolean heldNoRow(WarehouseTable table) {
        return emptyTables.contains(table);
    }

    /** Counts rows copied straight into a fact's table. */
    void copiedStraightIn(WarehouseTable fact, long rows) {
        copiedStraightIn.merge(fact, rows, Long::sum);
    }

    /** Forgets the rows copied straight into a fact's table, removed when its rows of the batch are left out. */
    void removedStraightIn(WarehouseTable fact) {
        copiedStraightIn.put(fact, 0L);
    }

    /** The rows copied straight into each fact's table, for the facts whose rows this batch copies so. */
    Map<WarehouseTable, Long> copiedStraightIn() {
        Map<WarehouseTable, Long> copied = new EnumMap<>(WarehouseTable.class);
        for (WarehouseTable fact : straightIn) {
            copied.put(fact, copiedStraightIn.getOrDefault(fact, 0L));
        }
        return copied;
    }

    /** Notes that the batch's transaction committed: a bulk batch's foreign keys are back. */
    void committed() {
        committed = true;
    }

    Instant startedAt() {
        return startedAt;
    }

    String manifestKey() {
        return manifestKey;
    }

    BatchManifest manifest() {
        return manifest;
    }

    Connection connection() {
        return connection;
    }

    /**
     * The batch stays with the exchange that opened it: a copy handed to another stage (the
     * wake-up of the next stage) must not take its clean-up along.
     */
    @Override
    public boolean allowHandover() {
        return false;
    }

    /**
     * Rolls back whatever was not committed, once the exchange completes or fails; a bulk batch
     * that did not commit adds the foreign keys it dropped back at once, in a transaction of
     * its own, rather than leaving them to the next batch.
     */
    @Override
    public void onDone(Exchange exchange) {
        try (connection) {
            if (!connection.getAutoCommit()) {
                connection.rollback();
            }
            if (bulk && !committed) {
                ForeignKeys.restoreLeftovers(connection);
            }
        } catch (SQLException e) {
            LOG.warnf("Releasing the warehouse connection of load batch %s failed: %s", id, e.getMessage());
        }
    }

    /** Gives back a connection a batch could not be opened on. */
    static void closeQuietly(Connection connection) {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debugf(e, "closing a warehouse connection failed");
            }
        }
    }
}
