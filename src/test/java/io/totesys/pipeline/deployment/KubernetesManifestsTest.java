package io.totesys.pipeline.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.CronJob;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule;
import io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor;
import io.totesys.pipeline.operations.ClusterServiceProducer;

/**
 * The Kubernetes manifests as a cluster would get them: each overlay rendered by
 * {@code kubectl kustomize}, every object parsed with fabric8's typed model, no field the
 * model does not know, and the settings a data engineer relies on.
 */
class KubernetesManifestsTest {

    /** docs/configuration.md#the-configuration-contract: every variable the service must be given. */
    private static final Set<String> CONFIGURATION_CONTRACT = Set.of("TOTESYS_JDBC_URL", "TOTESYS_USERNAME",
            "TOTESYS_PASSWORD", "WAREHOUSE_JDBC_URL", "WAREHOUSE_USERNAME", "WAREHOUSE_PASSWORD", "S3_ENDPOINT",
            "AWS_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "LAKE_INGEST_BUCKET", "LAKE_PROCESSED_BUCKET",
            "ETL_POLL_INTERVAL", "ETL_RUN_ONCE");
    private static final String CREDENTIALS = "totesys-pipeline-credentials";
    private static final Set<String> SECRETS = Set.of("TOTESYS_PASSWORD", "WAREHOUSE_PASSWORD", "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY");

    private final KubernetesSerialization serialization = new KubernetesSerialization();

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod", "cronjob"})
    void everyRenderedObjectIsAValidTypedKubernetesObject(String overlay) throws Exception {
        List<HasMetadata> objects = render(Path.of("k8s", "overlays", overlay));

        assertThat(objects).isNotEmpty().allSatisfy(object -> {
            assertThat(object.getClass().getPackageName()).as("typed model of %s", object.getKind())
                    .doesNotContain("GenericKubernetesResource");
            assertThat(unknownFields(object, "")).as("fields the model does not know in %s", object.getKind())
                    .isEmpty();
        });
        assertThat(objects).as("a Secret applied with the service would overwrite the real credentials")
                .noneMatch(Secret.class::isInstance);
        ConfigMap config = find(objects, ConfigMap.class, "totesys-pipeline-config");
        Set<String> provided = new HashSet<>(config.getData().keySet());
        provided.addAll(SECRETS);
        assertThat(provided).as("the configuration contract").containsAll(CONFIGURATION_CONTRACT);
        assertThat(config.getData().keySet()).as("no secret in the ConfigMap").doesNotContainAnyElementsOf(SECRETS);
        assertThat(find(objects, ConfigMap.class, "totesys-pipeline-routes").getData())
                .containsKeys("extract.camel.yaml", "transform.camel.yaml", "load.camel.yaml");

        Role role = find(objects, Role.class, "totesys-pipeline-leader-election");
        assertThat(role.getRules()).as("rights on the pipeline's own Lease only").anySatisfy(rule -> {
            assertThat(rule.getResources()).containsExactly("leases");
            assertThat(rule.getResourceNames()).containsExactly(ClusterServiceProducer.LEASE);
            assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "watch", "update", "patch");
        }).anySatisfy(rule -> {
            assertThat(rule.getResources()).containsExactly("leases");
            assertThat(rule.getResourceNames()).isEmpty();
            assertThat(rule.getVerbs()).containsExactly("create");
        }).anySatisfy(rule -> {
            assertThat(rule.getResources()).containsExactly("pods");
            assertThat(rule.getVerbs()).containsExactlyInAnyOrder("get", "list", "watch");
        }).hasSize(3);
        checkNetworkPolicy(find(objects, NetworkPolicy.class, "totesys-pipeline"), overlay.equals("prod"));
        find(objects, ServiceMonitor.class, "totesys-pipeline");
        assertThat(find(objects, PrometheusRule.class, "totesys-pipeline").getSpec().getGroups().get(0).getRules())
                .extracting(rule -> rule.getAlert()).contains("TotesysPipelineStageFailing",
                        "TotesysPipelineBatchQuarantined", "TotesysPipelineBatchesInQuarantine",
                        "TotesysPipelineWarehouseStale",
                        "TotesysPipelineReconcileMismatch", "TotesysPipelineWarehouseChangedByHand",
                        "TotesysPipelineTableHeld", "TotesysPipelineSchemaChanged");

        PodSpec pod = overlay.equals("cronjob")
                ? find(objects, CronJob.class, "totesys-pipeline").getSpec().getJobTemplate().getSpec().getTemplate()
                        .getSpec()
                : find(objects, Deployment.class, "totesys-pipeline").getSpec().getTemplate().getSpec();
        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        Container container = pod.getContainers().get(0);
        assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(container.getResources().getLimits()).containsKey("memory");
        assertThat(container.getVolumeMounts())
                .anySatisfy(mount -> assertThat(mount.getMountPath()).isEqualTo("/deployments/routes"));
        assertThat(container.getEnvFrom()).as("the secrets come from the Secret made beforehand")
                .anyMatch(source -> source.getSecretRef() != null
                        && source.getSecretRef().getName().equals(CREDENTIALS));
        if (overlay.equals("cronjob")) {
            assertThat(pod.getAutomountServiceAccountToken()).as("no Kubernetes API token in a run-once pod")
                    .isFalse();
            assertThat(container.getEnv()).anySatisfy(variable -> {
                assertThat(variable.getName()).isEqualTo("ETL_RUN_ONCE");
                assertThat(variable.getValue()).isEqualTo("true");
            });
            assertThat(objects).noneMatch(object -> object instanceof Deployment);
        } else {
            Deployment deployment = find(objects, Deployment.class, "totesys-pipeline");
            assertThat(deployment.getSpec().getReplicas()).isEqualTo(overlay.equals("prod") ? 2 : 1);
            assertThat(container.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/q/health/live");
            assertThat(container.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/q/health/ready");
            assertThat(container.getPorts()).anySatisfy(port -> {
                assertThat(port.getName()).isEqualTo("jolokia");
                assertThat(port.getContainerPort()).isEqualTo(8778);
            });
            // The status page (/status), health and metrics: the container's http port, through the Service
            assertThat(container.getPorts()).anySatisfy(port -> {
                assertThat(port.getName()).isEqualTo("http");
                assertThat(port.getContainerPort()).isEqualTo(8080);
            });
            assertThat(find(objects, Service.class, "totesys-pipeline").getSpec().getPorts()).anySatisfy(port -> {
                assertThat(port.getName()).isEqualTo("http");
                assertThat(port.getTargetPort().getStrVal()).isEqualTo("http");
            });
            assertThat(pod.getServiceAccountName()).isEqualTo("totesys-pipeline");
        }
    }

    @Test
    void theCredentialsOverlayMakesTheSecretFromAnEnvFileThatGitIgnores(@TempDir Path copy) throws Exception {
        Path overlay = Path.of("k8s", "overlays", "credentials");
        assertThat(Files.readAllLines(Path.of(".gitignore"))).as("the env file never enters git")
                .contains(overlay.resolve("credentials.env").toString());
        Path k8s = copy.resolve("k8s");
        try (Stream<Path> files = Files.walk(Path.of("k8s"))) {
            for (Path file : files.toList()) {
                Files.copy(file, k8s.resolve(Path.of("k8s").relativize(file).toString()));
            }
        }
        Files.copy(overlay.resolve("credentials.env.example"), copy.resolve(overlay).resolve("credentials.env"));

        List<HasMetadata> objects = render(copy.resolve(overlay));

        assertThat(objects).hasSize(1);
        Secret credentials = find(objects, Secret.class, CREDENTIALS);
        assertThat(credentials.getData()).as("every secret of the configuration contract, none empty")
                .containsOnlyKeys(SECRETS).allSatisfy((key, value) -> assertThat(value).isNotEmpty());
    }

    /**
     * In: 8080 from named namespaces only, 8778 from the console's pods only. Out, in prod:
     * every rule names its peers.
     */
    private static void checkNetworkPolicy(NetworkPolicy policy, boolean narrowed) {
        assertThat(policy.getSpec().getIngress()).allSatisfy(rule -> {
            assertThat(rule.getFrom()).as("an ingress rule admits named peers only").isNotEmpty();
            List<Integer> ports = rule.getPorts().stream().map(port -> port.getPort().getIntVal()).toList();
            if (ports.contains(8778)) {
                assertThat(ports).containsExactly(8778);
                assertThat(rule.getFrom()).allSatisfy(peer -> assertThat(peer.getPodSelector().getMatchLabels())
                        .containsEntry("totesys-pipeline/console", "true"));
            } else {
                assertThat(ports).containsExactly(8080);
                assertThat(rule.getFrom()).allSatisfy(peer -> {
                    assertThat(peer.getPodSelector()).isNull();
                    assertThat(peer.getNamespaceSelector().getMatchLabels())
                            .containsKey("kubernetes.io/metadata.name");
                });
            }
        });
        if (narrowed) {
            assertThat(policy.getSpec().getEgress()).allSatisfy(
                    rule -> assertThat(rule.getTo()).as("a narrowed egress rule names its peers").isNotEmpty());
        }
    }

    private List<HasMetadata> render(Path overlay) throws IOException, InterruptedException {
        Process kustomize = new ProcessBuilder(kubectl(), "kustomize", overlay.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String yaml = new String(kustomize.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(kustomize.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(kustomize.exitValue()).as("kubectl kustomize %s", overlay).isZero();
        List<HasMetadata> objects = new ArrayList<>();
        for (String document : yaml.split("(?m)^---$")) {
            if (!document.isBlank()) {
                objects.add(serialization.unmarshal(document, HasMetadata.class));
            }
        }
        return objects;
    }

    /** kubectl from the PATH, or where .ci/run installs it. */
    private static String kubectl() {
        Path installed = Path.of(".ci", "tools", "kubectl");
        if (Files.isExecutable(installed)) {
            return installed.toAbsolutePath().toString();
        }
        return Stream.of(System.getenv("PATH").split(":")).map(directory -> Path.of(directory, "kubectl"))
                .filter(Files::isExecutable).findFirst().map(Path::toString)
                .orElseThrow(() -> new AssertionError("kubectl is needed to render k8s/: run .ci/run once, or "
                        + "install kubectl"));
    }

    /** Paths of the fields that a model object kept as "additional properties": fields it does not know. */
    private static List<String> unknownFields(Object object, String path) {
        List<String> unknown = new ArrayList<>();
        collectUnknownFields(object, path, unknown, new IdentityHashMap<>());
        return unknown;
    }

    private static void collectUnknownFields(Object object, String path, List<String> unknown,
            Map<Object, Boolean> seen) {
        if (object == null || seen.put(object, Boolean.TRUE) != null) {
            return;
        }
        if (object instanceof Collection<?> items) {
            int index = 0;
            for (Object item : items) {
                collectUnknownFields(item, path + "[" + index++ + "]", unknown, seen);
            }
            return;
        }
        if (object instanceof Map<?, ?> map) {
            map.forEach((key, value) -> collectUnknownFields(value, path + "." + key, unknown, seen));
            return;
        }
        if (!object.getClass().getPackageName().startsWith("io.fabric8")) {
            return;
        }
        try {
            for (PropertyDescriptor property : Introspector.getBeanInfo(object.getClass()).getPropertyDescriptors()) {
                Method getter = property.getReadMethod();
                if (getter == null || getter.getParameterCount() > 0 || property.getName().equals("class")) {
                    continue;
                }
                Object value = getter.invoke(object);
                if (property.getName().equals("additionalProperties") && value instanceof Map<?, ?> extra) {
                    extra.keySet().forEach(key -> unknown.add(path + "." + key));
                } else {
                    collectUnknownFields(value, path + "." + property.getName(), unknown, seen);
                }
            }
        } catch (ReflectiveOperationException | java.beans.IntrospectionException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <T extends HasMetadata> T find(List<HasMetadata> objects, Class<T> type, String name) {
        return objects.stream().filter(type::isInstance).map(type::cast)
                .filter(object -> object.getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }
}
