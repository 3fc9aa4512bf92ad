package io.totesys.pipeline.operations;

import java.util.List;
import java.util.Map;
import java.util.Set;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.server.core.util.HttpMethod;
import org.jolokia.server.core.util.RequestType;

import io.smallrye.config.SmallRyeConfig;

/**
 * What Jolokia (and Hawtio through it) may do: read the attributes of the Camel and JVM
 * MBeans, list and search them, and nothing else. No writes, no operations, and the
 * MBeans of other domains are not even listed. Jolokia's XML policy cannot say "only these
 * domains": its allow list adds to, rather than narrows, what its commands permit.
 * The JVM attributes that can carry a secret (the system properties and the command line,
 * where a {@code -Dquarkus.datasource.password=...} would show) are never read, not even
 * in a read of all of an MBean's attributes. Browser pages from other origins may call it
 * only when {@code ETL_JOLOKIA_ALLOWED_ORIGINS} names theirs. Configured as Jolokia's
 * {@code restrictorClass}.
 */
public class ReadOnlyJolokiaRestrictor implements Restrictor {

    /** Attributes that can carry a secret, per MBean: never read. */
    static final Map<ObjectName, Set<String>> SECRET_BEARING = Map.of(objectName("java.lang:type=Runtime"),
            Set.of("SystemProperties", "InputArguments"));

    /** Read at the first request: Jolokia makes its restrictor before the settings are all there. */
    private volatile List<String> allowedOrigins;

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
        return DOMAINS.contains(name.getDomain())
                && !SECRET_BEARING.getOrDefault(name, Set.of()).contains(attribute);
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

    /**
     * A request without an {@code Origin} (curl, Prometheus, Hawtio Online's proxy) is
     * allowed; a browser page only from an origin {@code ETL_JOLOKIA_ALLOWED_ORIGINS} names.
     */
    @Override
    public boolean isOriginAllowed(String origin, boolean strictCheck) {
        return origin == null || allowedOrigins().contains(origin);
    }

    private List<String> allowedOrigins() {
        if (allowedOrigins == null) {
            allowedOrigins = ConfigProvider.getConfig().unwrap(SmallRyeConfig.class)
                    .getConfigMapping(JolokiaSettings.class).allowedOrigins().orElse(List.of());
        }
        return allowedOrigins;
    }

    @Override
    public boolean isObjectNameHidden(ObjectName name) {
        return !name.isPattern() && !DOMAINS.contains(name.getDomain());
    }

    private static ObjectName objectName(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(name, e);
        }
    }
}
