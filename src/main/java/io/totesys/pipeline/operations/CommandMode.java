package io.totesys.pipeline.operations;

import io.quarkus.runtime.configuration.ConfigUtils;

/**
 * Whether this process runs one of the operator's commands (the jar started with arguments, in
 * the Quarkus profile {@value #PROFILE}) instead of the service: then nothing of the service
 * starts, neither the heartbeat on the status page nor the background dependency checks.
 */
public final class CommandMode {

    /** The Quarkus profile the operator's commands run in. */
    public static final String PROFILE = "command";

    private CommandMode() {
    }

    public static boolean active() {
        return ConfigUtils.isProfileActive(PROFILE);
    }
}
