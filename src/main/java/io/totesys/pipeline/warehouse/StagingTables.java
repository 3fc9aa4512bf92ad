package io.totesys.pipeline.warehouse;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;

import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetReader;
import org.postgresql.PGConnection;
import org.postgresql.copy.PGCopyOutputStream;

import io.totesys.pipeline.lake.BatchId;
import io.totesys.pipeline.starschema.ParquetPartReader;
import io.totesys.pipeline.starschema.WarehouseDeletions;
import io.totesys.pipeline.starschema.WarehouseTable;

/**
 * The staging tables of a load transaction, one per warehouse table and one per table that
 * records deletions, and the {@code COPY} that fills them from a Parquet object, its rows
 * written by a {@link CopyEncoder}.
 */
final class StagingTables {

    private static final int COPY_BUFFER = 1 << 16;

    private StagingTables() {
    }

    /** Creates every staging table, empty, for the transaction. */
    static void create(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            for (WarehouseTable table : WarehouseTable.values()) {
                statement.execute(MergeStatements.createStagingTable(StagedTable.rowsOf(table)));
            }
            for (WarehouseTable table : WarehouseDeletions.tables()) {
                statement.execute(MergeStatements.createStagingTable(StagedTable.deletionsOf(table)));
            }
        }
    }

    /** Copies the rows of a Parquet object into its table's staging table; returns how many it copied. */
    static long copy(Connection connection, StagedTable table, String key, byte[] parquet)
            throws SQLException, IOException {
        CopyEncoder encoder = new BinaryCopyEncoder(table.columns());
        return copy(connection, MergeStatements.copyIntoStaging(table, encoder), encoder, table, key, parquet);
    }

    /**
     * Copies the rows of a Parquet object of a fact straight into the fact's table, each
     * marked with the batch: for a fact that held no row when a bulk batch began, whose rows
     * are then all new versions ({@link LoadBatch#copiesStraightIn}); returns how many it copied.
     */
    static long copyStraightIn(Connection connection, WarehouseTable fact, BatchId batch, String key,
            byte[] parquet) throws SQLException, IOException {
        CopyEncoder encoder = new BinaryCopyEncoder(fact.columns(), batch.value());
        return copy(connection, MergeStatements.copyStraightIn(fact, encoder), encoder, StagedTable.rowsOf(fact),
                key, parquet);
    }

    /** Removes the rows a batch copied straight into a fact, when its rows of the batch are left out. */
    static void removeCopiedStraightIn(Connection connection, WarehouseTable fact, BatchId batch)
            throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(MergeStatements.removeBatchRows(fact))) {
            statement.setString(1, batch.value());
            statement.executeUpdate();
        }
    }

    private static long copy(Connection connection, String copy, CopyEncoder encoder, StagedTable table, String key,
            byte[] parquet) throws SQLException, IOException {
        long count = 0;
        try (ParquetReader<GenericRecord> rows = ParquetPartReader.open(key, parquet);
                DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new PGCopyOutputStream(
                        connection.unwrap(PGConnection.class), copy, COPY_BUFFER), COPY_BUFFER))) {
            encoder.start(out);
            for (GenericRecord row = ParquetPartReader.next(rows, key); row != null;
                    row = ParquetPartReader.next(rows, key)) {
                if (count == 0) {
                    table.checkFits(key, row.getSchema());
                }
                encoder.write(row, out);
                count++;
            }
            encoder.end(out);
        }
        return count;
    }

    /** Empties a table's staging table, when its rows of the batch are left out. */
    static void clear(Connection connection, StagedTable table) throws SQLException {
        try (Statement statement = connection.createStatement()) {
            statement.execute(MergeStatements.clearStaging(table));
        }
    }
}
