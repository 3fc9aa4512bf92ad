package io.totesys.pipeline.iceberg;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import org.apache.iceberg.Table;
import org.apache.iceberg.types.Types;

import io.totesys.pipeline.starschema.ParquetFieldIds;
import io.totesys.pipeline.starschema.WarehouseColumn;
import io.totesys.pipeline.starschema.WarehouseTable;

/** The field ids of the star schema's columns, as each table's Iceberg schema numbers them. */
@ApplicationScoped
class IcebergFieldIds implements ParquetFieldIds {

    private final StarSchemaCatalog catalog;

    IcebergFieldIds(StarSchemaCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public Map<String, Integer> of(WarehouseTable table) {
        Table iceberg = catalog.table(table);
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (WarehouseColumn column : table.columns()) {
            Types.NestedField field = iceberg.schema().findField(column.name());
            if (field == null) {
                throw new IllegalStateException("the Iceberg table " + iceberg.name() + " has no column "
                        + column.name());
            }
            ids.put(column.name(), field.fieldId());
        }
        return ids;
    }
}
