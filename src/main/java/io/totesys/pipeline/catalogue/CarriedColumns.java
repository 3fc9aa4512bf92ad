package io.totesys.pipeline.catalogue;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

/**
 * The columns of ToteSys's tables, beyond the catalogue's, that the star schema carries
 * ({@code ETL_STAR_SCHEMA_ADDED_COLUMNS}), by name in the setting's order: set once as the
 * service starts, from the checked setting. A row's checksum covers them after the
 * catalogue's columns, so that reconciliation finds a difference in them too.
 */
@ApplicationScoped
public class CarriedColumns {

    private volatile Map<SourceTable, List<String>> columns = Map.of();

    /** Sets the columns carried, per table. */
    public void carry(Map<SourceTable, List<String>> carried) {
        Map<SourceTable, List<String>> copy = new EnumMap<>(SourceTable.class);
        carried.forEach((table, names) -> copy.put(table, List.copyOf(names)));
        columns = copy;
    }

    /** The names of the columns of a table carried beyond the catalogue's, none when there are none. */
    public List<String> of(SourceTable table) {
        return columns.getOrDefault(table, List.of());
    }
}
