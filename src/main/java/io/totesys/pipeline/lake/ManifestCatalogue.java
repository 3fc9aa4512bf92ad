package io.totesys.pipeline.lake;

import java.util.Set;

/**
 * The tables a bucket's manifests may name, and how their objects are named: the ToteSys
 * catalogue for extract manifests (one CSV object per table), the star schema for Parquet
 * manifests (numbered parts per table). The stage that reads a bucket's manifests says which.
 *
 * @param name what the catalogue is called, for a report
 * @param tables the names of its tables
 * @param extension the extension of every data object
 * @param parts whether a table's objects are numbered parts ({@link LakeLayout#partKey}), rather
 *        than one object ({@link LakeLayout#dataKey})
 */
public record ManifestCatalogue(String name, Set<String> tables, String extension, boolean parts) {

    public ManifestCatalogue {
        tables = Set.copyOf(tables);
    }

    public boolean has(String table) {
        return tables.contains(table);
    }
}
