package io.totesys.pipeline.testing;

import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/** Points a {@code @QuarkusTest} application at the shared {@link TestWorld}. */
public class TestWorldResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        return TestWorld.get().environment();
    }

    @Override
    public void stop() {
        // the world outlives each test application; the JVM's exit stops it
    }
}
