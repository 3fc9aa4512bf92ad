package io.totesys.pipeline.operations;

import java.util.Set;

import javax.management.ObjectName;

import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.server.core.util.HttpMethod;
import org.jolokia.server.core.util.RequestType;

/**
 * What Jolokia (and Hawtio through it) may do: read the attributes of the Camel and JVM
 * MBeans, list and search them, and nothing else. No writes, no operations, and the
 * MBeans of other domains are not even listed. Jolokia's XML policy cannot say "only these
 * domains": its allow list adds to, rather than narrows, what its commands permit.
 * Configured as Jolokia's {@code restrictorClass}.
 */
public class ReadOnlyJolokiaRestrictor implements Restrictor {

    /** Camel's MBeans, and the JVM's: memory, threads, garbage collectors, runtime, buffer pools. */
    static final Set<String> DOMAINS = Set.of("org.apache.camel", "java.lang", "java.nio");

    private static final Set<RequestType> REQUEST_TYPES = Set.of(RequestType.READ, RequestType.LIST,
            RequestType.SEARCH, RequestType.VERSION);

    @Override
    public boolean isHttpMethodAllowed(HttpMethod method) {
        return method == HttpMethod.GET || method == HttpMethod.POST;
    }

    @Override
    public boolean isTypeAllowed(RequestType type) {
        return REQUEST_TYPES.contains(type);
    }

    @Override
    public boolean isAttributeReadAllowed(ObjectName name, String attribute) {
        return DOMAINS.contains(name.getDomain());
    }

    @Override
    public boolean isAttributeWriteAllowed(ObjectName name, String attribute) {
        return false;
    }

    @Override
    public boolean isOperationAllowed(ObjectName name, String operation) {
        return false;
    }

    /** Who may connect is the network's business: the NetworkPolicy in k8s/ and ETL_JOLOKIA_HOST. */
    @Override
    public boolean isRemoteAccessAllowed(String... hostOrAddress) {
        return true;
    }

    /** Hawtio is served from its own origin. */
    @Override
    public boolean isOriginAllowed(String origin, boolean strictCheck) {
        return true;
    }

    @Override
    public boolean isObjectNameHidden(ObjectName name) {
        return !name.isPattern() && !DOMAINS.contains(name.getDomain());
    }
}
