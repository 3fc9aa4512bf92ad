package io.totesys.pipeline.testing;

import java.util.Map;

/**
 * {@link FaultyLakeResource} with the lake's limits lowered so that a test reaches them with
 * little data: objects over 8 KiB are moved as multipart copies of 5 MiB parts (S3's smallest),
 * and a replay request that fails is tried again after 1 s, 3 times at the most.
 */
public class LakeLimitsResource extends FaultyLakeResource {

    /** The multipart copy threshold the application runs with. */
    public static final long COPY_THRESHOLD = 8192;

    /** How often a failing replay request is tried before it is closed. */
    public static final int REPLAY_ATTEMPTS = 3;

    @Override
    public Map<String, String> start() {
        Map<String, String> environment = super.start();
        environment.put("S3_MULTIPART_COPY_THRESHOLD", Long.toString(COPY_THRESHOLD));
        environment.put("S3_MULTIPART_COPY_PART_SIZE", Long.toString(5L << 20));
        environment.put("ETL_REPLAY_ATTEMPTS", Integer.toString(REPLAY_ATTEMPTS));
        environment.put("ETL_REPLAY_RETRY_BACKOFF", "1s");
        return environment;
    }
}
