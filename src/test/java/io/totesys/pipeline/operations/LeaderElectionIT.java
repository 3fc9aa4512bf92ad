package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.totesys.pipeline.testing.Eventually;
import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.PipelineOutcome;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * Two replicas of the packaged service elect their leader through a Kubernetes Lease on a
 * Kubernetes API server (fabric8's mock, in CRUD mode): exactly one polls, and when it
 * dies the other takes over within the lease duration, with no batch extracted twice.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class LeaderElectionIT {

    private static final String NAMESPACE = "totesys";
    private static final Duration LEASE = Duration.ofSeconds(6);

    static KubernetesClient kubernetes;

    private final EmbeddedWorld world = TestWorld.get();
    private final LakeContents ingest = new LakeContents(world.s3(), EmbeddedWorld.INGEST_BUCKET);

    @Test
    void exactlyOneReplicaPollsAndTheOtherTakesOverWhenItDies() throws Exception {
        ToteSysFixture.reset(world);
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), 51);
        simulator.seed(0.02);
        Map<String, PipelineService> replicas = new LinkedHashMap<>();
        try {
            for (String pod : List.of("pipeline-a", "pipeline-b")) {
                kubernetes.pods().inNamespace(NAMESPACE).resource(new PodBuilder()
                        .withNewMetadata().withName(pod).withNamespace(NAMESPACE).endMetadata()
                        .withNewStatus().withPhase("Running").withInitContainerStatuses(List.of())
                        .addNewContainerStatus().withName("pipeline").withReady(true).endContainerStatus()
                        .addNewCondition().withType("Ready").withStatus("True").endCondition()
                        .endStatus().build()).create();
                replicas.put(pod, start(pod));
            }
            await("a leader holds the Lease", () -> holder() != null, Duration.ofSeconds(60));
            String leader = holder();
            String follower = leader.equals("pipeline-a") ? "pipeline-b" : "pipeline-a";
            await("the leader extracts", () -> replicas.get(leader).output().contains("Extract batch"),
                    Duration.ofSeconds(60));
            for (int change = 0; change < 5; change++) {
                simulator.change();
            }
            Awaitility.await("the follower polls nothing").during(Duration.ofSeconds(4))
                    .atMost(Duration.ofSeconds(6)).pollInterval(Eventually.POLL)
                    .untilAsserted(() -> assertThat(replicas.get(follower).output()).as("the follower's output")
                            .doesNotContain("Extract batch", "Transform batch", "Load batch"));

            replicas.get(leader).kill();
            kubernetes.pods().inNamespace(NAMESPACE).withName(leader).delete();
            Instant died = Instant.now();
            await("the follower takes the Lease", () -> follower.equals(holder()), LEASE.plusSeconds(10));
            Duration takeover = Duration.between(died, Instant.now());
            for (int change = 0; change < 5; change++) {
                simulator.change();
            }
            await("the new leader extracts", () -> replicas.get(follower).output().contains("Extract batch"),
                    Duration.ofSeconds(30));

            System.out.printf("Leader %s killed; %s took over after %d ms (lease %s)%n", leader, follower,
                    takeover.toMillis(), LEASE);
            assertThat(takeover).as("takeover time").isLessThanOrEqualTo(LEASE.plusSeconds(3));
            // The new leader finishes what the killed one left: the lake's tables hold each batch once.
            PipelineOutcome.awaitCaughtUp(world, Duration.ofMinutes(2));
            PipelineOutcome.assertNothingLostOrDoubled(world);
            // Stopped first: a batch being archived is copied, then removed, and would show twice.
            replicas.values().forEach(PipelineService::close);
            List<String> versions = ingest.extractedRowVersions();
            List<String> twice = versions.stream()
                    .filter(version -> versions.indexOf(version) != versions.lastIndexOf(version)).distinct().toList();
            assertThat(twice).as("row versions extracted twice; lake: %s", ingest.keys("")).isEmpty();
        } finally {
            replicas.values().forEach(PipelineService::close);
        }
    }

    private PipelineService start(String pod) throws Exception {
        Map<String, String> environment = new LinkedHashMap<>(world.environment());
        environment.put("ETL_HTTP_PORT", "0");
        environment.put("ETL_JOLOKIA_PORT", "0");
        environment.put("ETL_POLL_INTERVAL", "1s");
        environment.put("ETL_CLUSTER", "kubernetes");
        environment.put("ETL_KUBERNETES_MASTER_URL", kubernetes.getMasterUrl().toString());
        environment.put("KUBERNETES_NAMESPACE", NAMESPACE);
        environment.put("HOSTNAME", pod);
        environment.put("ETL_LEASE_DURATION", LEASE.toSeconds() + "s");
        environment.put("ETL_LEASE_RENEW_DEADLINE", "4s");
        environment.put("ETL_LEASE_RETRY_PERIOD", "1s");
        Path log = Files.createTempFile(Path.of("target"), "leader-" + pod + "-", ".log");
        return PipelineService.start(environment, log);
    }

    private static String holder() {
        // The one Lease the Role grants rights on by name.
        return kubernetes.leases().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(lease -> lease.getMetadata().getName().equals(ClusterServiceProducer.LEASE))
                .map(Lease::getSpec)
                .filter(spec -> spec != null && spec.getHolderIdentity() != null)
                .map(spec -> spec.getHolderIdentity())
                .findFirst().orElse(null);
    }

    private static void await(String what, BooleanSupplier condition, Duration timeout) {
        Eventually.holds(what, timeout, condition::getAsBoolean, () -> "");
    }
}
