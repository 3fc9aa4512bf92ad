package io.totesys.pipeline.stage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.camel.spi.CamelEvent.CamelContextStartingEvent;
import org.jboss.logging.Logger;

import io.quarkus.arc.profile.UnlessBuildProfile;

/**
 * Begins the migrations of the pipeline's schemas ({@link PipelineSchema}) as Camel starts,
 * beside the start of the routes (which keeps one core busy for a second or two), so that the
 * first batch finds the schemas ready rather than migrating them first. A failure here says
 * nothing: the first stage that needs the schemas tries again and reports it, as when the
 * warehouse is down at start-up.
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

    void migrateWhileCamelStarts(@Observes CamelContextStartingEvent event) {
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
