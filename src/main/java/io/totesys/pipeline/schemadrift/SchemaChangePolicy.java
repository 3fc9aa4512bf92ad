package io.totesys.pipeline.schemadrift;

import java.util.Arrays;
import java.util.Optional;

/**
 * What the extract does while a ToteSys table lacks a column the star schema needs, or has
 * it retyped beyond what the star schema takes ({@code ETL_SCHEMA_CHANGE_POLICY}).
 */
public enum SchemaChangePolicy {
    /** Only that table waits; every other table goes on (the default). */
    HOLD_TABLE("hold-table"),
    /** The whole extract waits: every batch fails, in run-once mode the run exits non-zero. */
    HOLD_PIPELINE("hold-pipeline");

    private final String setting;

    SchemaChangePolicy(String setting) {
        this.setting = setting;
    }

    /** The value of {@code ETL_SCHEMA_CHANGE_POLICY} that chooses this policy. */
    public String setting() {
        return setting;
    }

    /** The policy a setting names, if it names one. */
    public static Optional<SchemaChangePolicy> of(String setting) {
        return Arrays.stream(values()).filter(policy -> policy.setting.equals(setting)).findFirst();
    }

    /** The values {@code ETL_SCHEMA_CHANGE_POLICY} takes, for an error line. */
    public static String settings() {
        return HOLD_TABLE.setting + " (the default) or " + HOLD_PIPELINE.setting;
    }
}
