package io.totesys.pipeline.starschema;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.totesys.pipeline.stage.WarehouseExtension;

/**
 * The star schema as the operator grew it: their migrations folder
 * ({@code ETL_STAR_SCHEMA_MIGRATIONS}), and the check, once the warehouse is migrated, that
 * each column {@code ETL_STAR_SCHEMA_ADDED_COLUMNS} adds is in its table with the type the
 * setting gives it, so that a load never meets a column the warehouse lacks.
 */
@ApplicationScoped
class StarSchemaExtension implements WarehouseExtension {

    /** The setting of the operator's migrations folder, as operators write it. */
    static final String MIGRATIONS_SETTING = "ETL_STAR_SCHEMA_MIGRATIONS";

    private static final String COLUMN_TYPE = "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            + "WHERE attrelid = to_regclass(?) AND attname = ? AND attnum > 0 AND NOT attisdropped";

    private final StarSchemaSettings settings;

    StarSchemaExtension(StarSchemaSettings settings) {
        this.settings = settings;
    }

    @Override
    public Optional<String> migrations() {
        return settings.migrations().filter(folder -> !folder.isBlank());
    }

    @Override
    public void check(Connection warehouse) throws SQLException {
        try (PreparedStatement query = warehouse.prepareStatement(COLUMN_TYPE)) {
            for (WarehouseTable table : WarehouseTable.values()) {
                for (AddedColumn added : table.addedColumns()) {
                    query.setString(1, "public." + table.tableName());
                    query.setString(2, added.column());
                    try (ResultSet type = query.executeQuery()) {
                        check(added, type.next() ? type.getString(1) : null);
                    }
                }
            }
        }
    }

    /** Whether the warehouse's column ({@code null} when it lacks it) is the one the setting adds. */
    static void check(AddedColumn added, String warehouseType) {
        String column = added.table().tableName() + "." + added.column();
        if (warehouseType == null) {
            throw new StarSchemaSettingException(AddedColumns.SETTING + " adds " + added + ", but the warehouse has "
                    + "no column " + column + " after the migrations: add it with a migration in "
                    + MIGRATIONS_SETTING + ", such as ALTER TABLE public." + added.table().tableName()
                    + " ADD COLUMN " + added.sqlName() + " " + added.type().sqlType());
        }
        if (!warehouseType.equals(added.type().sqlType())) {
            throw new StarSchemaSettingException(AddedColumns.SETTING + " adds " + added + ", but the warehouse's "
                    + column + " is " + warehouseType + ": give the setting the warehouse's type, or change the "
                    + "column with a migration in " + MIGRATIONS_SETTING);
        }
    }
}
