package io.totesys.pipeline.operations;

import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Named;
import jakarta.interceptor.Interceptor;

import org.apache.camel.spi.CamelEvent.CamelContextInitializingEvent;
import org.jboss.logging.Logger;

import io.quarkus.arc.profile.UnlessBuildProfile;
import io.quarkus.runtime.StartupEvent;
import io.totesys.pipeline.stage.PipelineSchema;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What the service prepares early, each on a thread of its own, while Camel builds and starts its
 * routes on the main thread (a second or two of one core), so that neither the routes nor the
 * first batch wait for it:
 * <ul>
 * <li>the lake's S3 client, as soon as Quarkus has started: the routes need it as Camel builds
 * them, and the AWS SDK takes half a second of a core to build one (every service's region
 * metadata, the TLS context), which Camel's main thread waited for;</li>
 * <li>the migrations of the pipeline's schemas ({@link PipelineSchema}), once the settings are
 * checked and the columns operators add to the star schema configured ({@link SettingsCheck},
 * as Camel begins to initialise), since the migration checks the warehouse against them: the
 * first batch finds the schemas ready rather than waiting for Flyway to validate them (begun
 * as Camel started its routes, this ended 0.7 s after them).</li>
 * </ul>
 * A failure here says nothing: the first stage that needs either tries again and reports it, as
 * when the warehouse is down at start-up. The operator's commands, which start no Camel, prepare
 * nothing.
 * <p>
 * Not built into the {@code @QuarkusTest} application: its tests empty the schemas before
 * their batches and run those themselves, the first one migrating. The packaged service the
 * integration tests drive has it.
 */
@ApplicationScoped
@UnlessBuildProfile("test")
class StartBesideCamel {

    private static final Logger LOG = Logger.getLogger(StartBesideCamel.class);

    private final PipelineSchema schema;
    private final Instance<S3Client> lakeClient;

    StartBesideCamel(PipelineSchema schema, @Named("lakeS3Client") Instance<S3Client> lakeClient) {
        this.schema = schema;
        this.lakeClient = lakeClient;
    }

    void buildLakeClient(@Observes StartupEvent event) {
        if (CommandMode.active()) {
            return;
        }
        inBackground("lake-client-start", lakeClient::get,
                "Building the lake's S3 client at start-up failed; the first stage tries again");
    }

    /** After {@link SettingsCheck#check}, which observes the same event at the default priority. */
    void migrateSchemas(@Observes @Priority(Interceptor.Priority.LIBRARY_AFTER) CamelContextInitializingEvent event) {
        inBackground("pipeline-schema-migration", schema::ensureMigrated,
                "Migrating the pipeline's schemas at start-up failed; the first stage tries again");
    }

    private static void inBackground(String name, Runnable step, String failure) {
        Thread thread = new Thread(() -> {
            try {
                step.run();
            } catch (RuntimeException e) {
                LOG.debugf("%s: %s", failure, e.getMessage());
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
    }
}
