package io.totesys.pipeline.reconcile;

/**
 * What a reconciliation found of one current view of the warehouse, compared with what ToteSys
 * says it must hold: the view's rows, those missing, extra and changed, and the key ranges read
 * row by row because their sums differed; or that it was not compared at all ({@code notRead}),
 * neither server having changed it since a run found it to hold what ToteSys says.
 */
public record ViewOutcome(String table, long compared, long missing, long extra, long changed, long rangesRead,
        boolean notRead) {

    /** A view not compared, as unchanged on both servers since found to hold what ToteSys says. */
    public static ViewOutcome notRead(String table) {
        return new ViewOutcome(table, 0, 0, 0, 0, 0, true);
    }

    /** Rows of the view found different: missing, extra and changed. */
    public long differences() {
        return missing + extra + changed;
    }
}
