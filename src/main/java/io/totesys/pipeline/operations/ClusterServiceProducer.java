package io.totesys.pipeline.operations;

import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.component.file.cluster.FileLockClusterService;
import org.apache.camel.component.kubernetes.KubernetesConfiguration;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterService;
import org.apache.camel.component.kubernetes.cluster.LeaseResourceType;

/**
 * The cluster service the {@code master} endpoints of the routes elect their leader with:
 * only the leader's stage timers fire, so with two replicas exactly one polls ToteSys and
 * runs the stages. Camel picks the bean up from the registry.
 */
@ApplicationScoped
public class ClusterServiceProducer {

    /** The name of the Lease (Kubernetes) or lock file (file) the instances contend for. */
    public static final String LEADERSHIP = "totesys-pipeline";

    /** The master namespace the stage polls share ({@code routes/stage-poll.camel.yaml}). */
    public static final String MASTER_NAMESPACE = "totesys-pipeline";

    /**
     * The Lease on Kubernetes: Camel names it after the resource and the master namespace. The
     * Role in {@code k8s/base/rbac.yaml} grants rights on this name only.
     */
    public static final String LEASE = LEADERSHIP + "-" + MASTER_NAMESPACE;

    @Produces
    @Singleton
    @Named("pipelineClusterService")
    CamelClusterService clusterService(ClusterSettings settings) {
        return switch (settings.type()) {
            case FILE -> {
                FileLockClusterService file = new FileLockClusterService();
                file.setId("file-cluster");
                file.setRoot(settings.file().root());
                file.setAcquireLockDelay(1, TimeUnit.SECONDS);
                file.setAcquireLockInterval(1, TimeUnit.SECONDS);
                yield file;
            }
            case KUBERNETES -> {
                ClusterSettings.Kubernetes kubernetes = settings.kubernetes();
                // The API server from the pod's service account, unless configured; the service
                // applies an explicit master URL only over a configuration of its own.
                KubernetesConfiguration client = new KubernetesConfiguration();
                kubernetes.masterUrl().ifPresent(client::setMasterUrl);
                KubernetesClusterService lease = new KubernetesClusterService(client);
                lease.setId("kubernetes-cluster");
                lease.setLeaseResourceType(LeaseResourceType.Lease);
                lease.setKubernetesResourceName(LEADERSHIP);
                kubernetes.namespace().ifPresent(lease::setKubernetesResourcesNamespace);
                kubernetes.podName().ifPresent(lease::setPodName);
                lease.setLeaseDurationMillis(kubernetes.leaseDuration().toMillis());
                lease.setRenewDeadlineMillis(kubernetes.renewDeadline().toMillis());
                lease.setRetryPeriodMillis(kubernetes.retryPeriod().toMillis());
                yield lease;
            }
        };
    }
}
