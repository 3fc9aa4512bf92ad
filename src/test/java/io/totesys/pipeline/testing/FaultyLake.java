package io.totesys.pipeline.testing;

import io.totesys.pipeline.world.FaultyObjectStoreProxy;

/** The proxy that fails requests to the shared {@link TestWorld}'s object store on a test's plan, started on first use. */
public final class FaultyLake {

    private static FaultyObjectStoreProxy proxy;

    private FaultyLake() {
    }

    public static synchronized FaultyObjectStoreProxy get() {
        if (proxy == null) {
            proxy = FaultyObjectStoreProxy.start(TestWorld.get().environment().get("S3_ENDPOINT"));
            Runtime.getRuntime().addShutdownHook(new Thread(proxy::close, "faulty-lake-stop"));
        }
        return proxy;
    }
}
