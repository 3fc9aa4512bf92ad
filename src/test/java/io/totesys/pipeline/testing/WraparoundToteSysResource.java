package io.totesys.pipeline.testing;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points a {@code @QuarkusTest} application at {@link WraparoundToteSys} for ToteSys, read by
 * the SELECT-only role, and at the shared {@link TestWorld} for the rest.
 */
public class WraparoundToteSysResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Map<String, String> environment = new HashMap<>(TestWorld.get().environment());
        environment.putAll(WraparoundToteSys.get().sourceEnvironment());
        return environment;
    }

    @Override
    public void stop() {
        // the server outlives each test application; the JVM's exit stops it
    }
}
