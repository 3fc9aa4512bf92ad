package io.totesys.pipeline.reconcile;

import io.totesys.pipeline.lake.SourceKeys;

/** What a reconciliation found of one table, and what its repair did. */
public final class TableOutcome {

    final SourceKeys toRead = SourceKeys.empty();
    final SourceKeys extraKeys = SourceKeys.empty();
    final SourceKeys pendingKeys = SourceKeys.empty();
    long compared;
    long pending;
    long missing;
    long extra;
    long changed;
    long adopted;
    long repaired;
    long quarantined;
    long rowsRead;
    boolean notRead;

    /** Rows found different: missing, extra and changed. */
    public long mismatched() {
        return missing + extra + changed;
    }

    /** Rows found different that the repair did not put right. */
    public long unrepaired() {
        return Math.max(0, mismatched() - repaired);
    }

    /** Whether the repair batch reads or deletes any row of the table, for the lake or the warehouse. */
    boolean toRepair() {
        return !toRead.isEmpty() || !extraKeys.isEmpty();
    }

    void pending(int key) {
        pending++;
        pendingKeys.add(key);
    }

    void missing(int key) {
        missing++;
        toRead.add(key);
    }

    void changed(int key) {
        changed++;
        toRead.add(key);
    }

    void extra(int key) {
        if (extraKeys.add(key)) {
            extra++;
        }
    }
}
