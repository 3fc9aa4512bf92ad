package io.totesys.pipeline.catalogue;

/** One column of a ToteSys table, in the catalogue. */
public record SourceColumn(String name, ColumnType type, boolean nullable) {
}
