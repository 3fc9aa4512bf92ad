package io.totesys.pipeline.retention;

/**
 * One kind of record retention forgets: a statement that deletes at most a given number of
 * rows (its last parameter) older than a horizon (its first), and says how many went (an update
 * count, or the one column of its one row when it is a query).
 *
 * @param records what the rows are, for the log line
 * @param sql the statement
 * @param horizon how the horizon is given: a batch id prefix or a time
 * @param query whether the statement is a query (a data-modifying WITH) rather than an update
 */
record ForgettingStatement(String records, String sql, Horizon horizon, boolean query) {

    /** How a statement's first parameter gives the horizon. */
    enum Horizon {
        /** A batch id's time part ({@code 20260908T161100000Z}): batch ids sort by time. */
        BATCH_ID,
        /** A point in time. */
        TIME,
        /** No horizon: the statement's only parameter is the row limit. */
        NONE
    }
}
