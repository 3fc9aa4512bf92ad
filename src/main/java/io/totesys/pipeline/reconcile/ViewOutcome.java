package io.totesys.pipeline.reconcile;

/**
 * What a reconciliation found of one current view of the warehouse, compared with what ToteSys
 * says it must hold: the view's rows, those missing, extra and changed, and the key ranges read
 * row by row because their sums differed.
 */
public record ViewOutcome(String table, long compared, long missing, long extra, long changed, long rangesRead) {

    /** Rows of the view found different: missing, extra and changed. */
    public long differences() {
        return missing + extra + changed;
    }
}
