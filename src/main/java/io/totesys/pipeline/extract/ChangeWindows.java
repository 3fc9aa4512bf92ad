package io.totesys.pipeline.extract;

import org.jboss.logging.Logger;

import io.totesys.pipeline.source.ChangeWindow;
import io.totesys.pipeline.source.ReadHorizon;
import io.totesys.pipeline.source.TransactionSnapshot;

/** What a batch reads of a table, given where the table was read up to. */
public final class ChangeWindows {

    /**
     * How many transactions a read horizon may be behind the snapshot before the batch reads
     * whole tables instead: {@code age()} is a 32-bit difference, exact to 2^31.
     */
    static final long MAXIMUM_HORIZON_AGE = 1L << 30;

    private static final Logger LOG = Logger.getLogger(ChangeWindows.class);

    private ChangeWindows() {
    }

    /** The window of a table read up to {@code position} ({@code null}: never read), in a snapshot of {@code current}. */
    public static ChangeWindow window(ExtractState.Position position, TransactionSnapshot current) {
        if (position == null) {
            return ChangeWindow.ofWholeTable();
        }
        ReadHorizon horizon = position.readHorizon();
        if (horizon == null) {
            return new ChangeWindow(ChangeWindow.Kind.SINCE_WATERMARK, position.highWater(), null);
        }
        if (!followsOn(horizon, current)) {
            LOG.warnf("ToteSys's transaction ids (now %d) no longer follow on from the read horizon %s (a restore, "
                    + "or over a billion transactions since): this batch reads whole tables", current.xmax(), horizon);
            return ChangeWindow.ofWholeTable();
        }
        return new ChangeWindow(ChangeWindow.Kind.SINCE_HORIZON, position.highWater(), horizon);
    }

    /** Whether a snapshot's transaction ids follow on from a read horizon's, closely enough to compare. */
    public static boolean followsOn(ReadHorizon horizon, TransactionSnapshot current) {
        return current.xmax() >= horizon.xmax() && current.xmax() - horizon.xmin() <= MAXIMUM_HORIZON_AGE;
    }
}
