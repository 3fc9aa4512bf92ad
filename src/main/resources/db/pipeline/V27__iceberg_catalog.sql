-- The lake's star schema tables are Apache Iceberg tables (docs/architecture.md#iceberg-tables),
-- and their catalog is a JDBC catalog in this database, in a schema of its own: the two tables
-- Iceberg's JdbcCatalog reads and writes, in the shape of its schema version V1 (with
-- iceberg_type, for views), so that Spark, Trino and Flink read the same catalog. The service
-- never lets Iceberg create them (jdbc.init-catalog-tables=false): Flyway owns the DDL, and the
-- runtime role gets the same rights on them as on the pipeline's own tables.
--
-- A commit is one compare-and-set UPDATE of a table's metadata_location.
CREATE SCHEMA IF NOT EXISTS iceberg_catalog;

CREATE TABLE iceberg_catalog.iceberg_tables (
    catalog_name               varchar(255) NOT NULL,
    table_namespace            varchar(255) NOT NULL,
    table_name                 varchar(255) NOT NULL,
    metadata_location          varchar(1000),
    previous_metadata_location varchar(1000),
    iceberg_type               varchar(5),
    PRIMARY KEY (catalog_name, table_namespace, table_name)
);

CREATE TABLE iceberg_catalog.iceberg_namespace_properties (
    catalog_name   varchar(255) NOT NULL,
    namespace      varchar(255) NOT NULL,
    property_key   varchar(255),
    property_value varchar(1000),
    PRIMARY KEY (catalog_name, namespace, property_key)
);
