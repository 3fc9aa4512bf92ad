package io.totesys.pipeline.testing;

import java.util.HashMap;
import java.util.Map;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Points a {@code @QuarkusTest} application at the shared {@link TestWorld}, its object store
 * through {@link FaultyLake}, with stage backoffs of at most 2 s and S3 reads that wait 3 s at
 * the most.
 */
public class FaultyLakeResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        Map<String, String> environment = new HashMap<>(TestWorld.get().environment());
        environment.put("S3_ENDPOINT", FaultyLake.get().endpoint());
        environment.put("ETL_RETRY_MAX_BACKOFF", "2s");
        environment.put("S3_READ_TIMEOUT", "3s");
        return environment;
    }

    @Override
    public void stop() {
        FaultyLake.get().clear();
    }
}
