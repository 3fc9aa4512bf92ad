package io.totesys.pipeline.stage;

import jakarta.enterprise.context.ApplicationScoped;

import org.flywaydb.core.Flyway;

/**
 * The pipeline's own schemas in the warehouse database, under Flyway's control. They are
 * migrated once the warehouse first answers, not at start-up, so that a warehouse that is
 * down or misconfigured is reported like any other failure instead of aborting the start.
 */
@ApplicationScoped
public class PipelineSchema {

    private final Flyway flyway;
    private volatile boolean migrated;

    PipelineSchema(Flyway flyway) {
        this.flyway = flyway;
    }

    public void ensureMigrated() {
        if (!migrated) {
            synchronized (this) {
                if (!migrated) {
                    flyway.migrate();
                    migrated = true;
                }
            }
        }
    }
}
