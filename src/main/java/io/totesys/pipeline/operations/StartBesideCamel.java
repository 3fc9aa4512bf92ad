package io.totesys.pipeline.operations;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Named;

import org.jboss.logging.Logger;

import io.quarkus.arc.profile.UnlessBuildProfile;
import io.quarkus.runtime.StartupEvent;
import io.totesys.pipeline.stage.PipelineSchema;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * What the service prepares as soon as Quarkus has started, each on a thread of its own, while
 * Camel builds and starts its routes on the main thread (a second or two of one core), so that
 * neither the routes nor the first batch wait for it:
 * <ul>
 * <li>the migrations of the pipeline's schemas ({@link PipelineSchema}): the first batch finds
 * the schemas ready rather than waiting for Flyway to validate them (begun as Camel started its
 * routes, this ended 0.7 s after them);</li>
 * <li>the lake's S3 client, which the routes need as Camel builds them: the AWS SDK takes half a
 * second of a core to build one (every service's region metadata, the TLS context), which Camel's
 * main thread waited for.</li>
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

    void prepare(@Observes StartupEvent event) {
        if (CommandMode.active()) {
            return;
        }
        inBackground("pipeline-schema-migration", schema::ensureMigrated,
                "Migrating the pipeline's schemas at start-up failed; the first stage tries again");
        inBackground("lake-client-start", lakeClient::get,
                "Building the lake's S3 client at start-up failed; the first stage tries again");
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
