package io.totesys.pipeline.warehouse;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import io.agroal.api.AgroalDataSource;
import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.lake.BatchManifest;
import io.totesys.pipeline.stage.PipelineStateException;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * Opens the warehouse transaction a Parquet batch loads in: decides whether it is a bulk batch
 * ({@link BulkLoadPolicy}), connects as the star schema's owner for one, waits for any other
 * loader at the load log's lock and checks whether the log has the batch already, then drops
 * or adds back the foreign keys ({@link ForeignKeys}), creates the staging tables, and asks
 * once which warehouse tables hold no row yet: the answer decides both which facts a bulk batch
 * copies straight in and how the merge puts each table's rows in ({@link StarSchemaMerge}).
 */
@ApplicationScoped
class LoadBatchOpener {

    private static final Logger LOG = Logger.getLogger(LoadBatchOpener.class);

    private final AgroalDataSource warehouse;
    private final LoadLog loadLog;
    private final BulkLoadPolicy bulkLoads;
    private final StarSchemaOwner owner;
    private final Clock clock;

    LoadBatchOpener(AgroalDataSource warehouse, LoadLog loadLog, BulkLoadPolicy bulkLoads, StarSchemaOwner owner,
            Clock clock) {
        this.clock = clock;
        this.warehouse = warehouse;
        this.loadLog = loadLog;
        this.bulkLoads = bulkLoads;
        this.owner = owner;
    }

    /**
     * The load of the batch a manifest lists, its transaction begun: a bulk batch loads as the
     * star schema's owner, with its foreign keys dropped; foreign keys an earlier batch left
     * dropped are added back before a batch that is not one.
     */
    LoadBatch open(String manifestKey, BatchManifest manifest) {
        BatchId batchId = new BatchId(manifest.batchId());
        boolean bulk = bulkLoads.isBulk(manifest, this::factRows);
        Connection connection = null;
        try {
            connection = bulk ? owner.connect() : warehouse.getConnection();
            connection.setAutoCommit(false);
            Optional<List<BatchManifest.Quarantined>> loaded = loadLog.lockAndFind(connection, batchId, manifest);
            Set<WarehouseTable> emptyTables = Set.of();
            if (loaded.isEmpty()) {
                bulk = prepareForeignKeys(connection, batchId, bulk);
                StagingTables.create(connection);
                emptyTables = StarSchemaMerge.emptyTables(connection);
            } else {
                bulk = false;
                LOG.infof("Load batch %s is in the load log already; archiving its Parquet objects", batchId);
            }
            return new LoadBatch(batchId, clock.instant(), manifestKey, manifest, connection, loaded.isEmpty(), bulk,
                    emptyTables,
                    loaded.orElse(List.of()));
        } catch (SQLException e) {
            LoadBatch.closeQuietly(connection);
            throw new PipelineStateException("opening the load of batch " + batchId + " failed", e);
        }
    }

    /**
     * Drops the foreign keys for a bulk batch, or adds back those an earlier one left dropped,
     * on a connection of the star schema's owner beside the batch's own, while the batch holds
     * the load log's lock; returns whether the batch loads as a bulk batch.
     */
    private boolean prepareForeignKeys(Connection connection, BatchId batchId, boolean bulk) throws SQLException {
        if (bulk) {
            try (Connection ddl = owner.connect()) {
                return ForeignKeys.suspend(ddl, batchId, bulkLoads.lockTimeout());
            }
        }
        if (ForeignKeys.anySuspended(connection)) {
            try (Connection ddl = owner.connect()) {
                ForeignKeys.restoreLeftovers(ddl);
            }
        }
        return false;
    }

    /** The rows the fact tables hold, as the planner's statistics estimate them. */
    private long factRows() {
        try (Connection connection = warehouse.getConnection()) {
            return StarSchemaMerge.factRows(connection);
        } catch (SQLException e) {
            throw new PipelineStateException("reading the size of the fact tables failed", e);
        }
    }
}
