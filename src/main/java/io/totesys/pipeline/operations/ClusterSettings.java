package io.totesys.pipeline.operations;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** Leader election: how the instances of the service agree which one runs the stages. */
@ConfigMapping(prefix = "etl.cluster")
public interface ClusterSettings {

    /** The cluster service behind leader election. */
    enum Type {
        /** A lock file in a directory the instances share; one instance on one machine by default. */
        FILE,
        /** A Kubernetes Lease in the pod's namespace. */
        KUBERNETES
    }

    /** {@code ETL_CLUSTER}: {@code file} or {@code kubernetes}. */
    Type type();

    File file();

    Kubernetes kubernetes();

    interface File {
        /** {@code ETL_CLUSTER_FILE_ROOT}: the directory of the lock file. */
        String root();
    }

    interface Kubernetes {
        /** {@code KUBERNETES_NAMESPACE}: the namespace of the Lease; empty means the pod's own. */
        Optional<String> namespace();

        /** {@code HOSTNAME}: this pod's name, as the Lease records its holder. */
        Optional<String> podName();

        /** {@code ETL_KUBERNETES_MASTER_URL}: the API server; empty means the in-cluster default. */
        Optional<String> masterUrl();

        /** {@code ETL_LEASE_DURATION}: how long a leader that stops renewing stays leader. */
        Duration leaseDuration();

        /** How long the leader keeps trying to renew before it gives up leadership. */
        Duration renewDeadline();

        /** How often instances try to acquire or renew the Lease. */
        Duration retryPeriod();
    }
}
