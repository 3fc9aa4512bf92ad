package io.totesys.pipeline.iceberg;

import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;

import io.totesys.pipeline.starschema.LakeTable;
import io.totesys.pipeline.starschema.ParquetFieldIds;

/** The field ids of the star schema's columns, as each table's Iceberg schema numbers them. */
@ApplicationScoped
class IcebergFieldIds implements ParquetFieldIds {

    private final StarSchemaCatalog catalog;

    IcebergFieldIds(StarSchemaCatalog catalog) {
        this.catalog = catalog;
    }

    @Override
    public Map<String, Integer> of(LakeTable table) {
        return catalog.fieldIds(table);
    }
}
