package io.totesys.pipeline.operations;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.jboss.logging.Logger;

import io.quarkus.arc.profile.UnlessBuildProfile;
import io.quarkus.runtime.StartupEvent;
import io.totesys.pipeline.stage.PipelineSchema;

/**
 * Begins the migrations of the pipeline's schemas ({@link PipelineSchema}) as soon as Quarkus
 * has started, before Camel builds and starts its routes (which keeps one core busy for a
 * second or two), so that the first batch finds the schemas ready rather than waiting for
 * Flyway to validate them (at the start of Camel's routes, this ended 0.7 s after them). A failure here says
 * nothing: the first stage that needs the schemas tries again and reports it, as when the
 * warehouse is down at start-up. The operator's commands, which start no Camel, leave the
 * schemas alone.
 * <p>
 * Not built into the {@code @QuarkusTest} application: its tests empty the schemas before
 * their batches and run those themselves, the first one migrating. The packaged service the
 * integration tests drive has it.
 */
@ApplicationScoped
@UnlessBuildProfile("test")
class SchemaMigrationAtStart {

    private static final Logger LOG = Logger.getLogger(SchemaMigrationAtStart.class);

    private final PipelineSchema schema;

    SchemaMigrationAtStart(PipelineSchema schema) {
        this.schema = schema;
    }

    void migrateWhileCamelStarts(@Observes StartupEvent event) {
        if (CommandMode.active()) {
            return;
        }
        Thread early = new Thread(() -> {
            try {
                schema.ensureMigrated();
            } catch (RuntimeException e) {
                LOG.debugf("Migrating the pipeline's schemas at start-up failed; the first stage tries again: %s",
                        e.getMessage());
            }
        }, "pipeline-schema-migration");
        early.setDaemon(true);
        early.start();
    }
}
