package io.totesys.pipeline.starschema;

import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** How an operator grows the star schema with columns ToteSys added, without a release. */
@ConfigMapping(prefix = "etl.star-schema")
public interface StarSchemaSettings {

    /**
     * {@code ETL_STAR_SCHEMA_ADDED_COLUMNS}: source columns carried into the star schema table
     * whose rows come from their table, each {@code table.column type} (such as
     * {@code sales_order.discount_percent numeric(5,2)}), separated by {@code ;} or line breaks;
     * read by {@link AddedColumns#parse}. Unset, the star schema is as documented.
     */
    Optional<String> addedColumns();

    /**
     * {@code ETL_STAR_SCHEMA_MIGRATIONS}: the folder of the operator's own warehouse migrations
     * ({@code V1__discount_percent.sql}, ...), which the service applies after its own, with
     * their own history table ({@code pipeline.operator_schema_history}). Unset, none.
     */
    Optional<String> migrations();
}
