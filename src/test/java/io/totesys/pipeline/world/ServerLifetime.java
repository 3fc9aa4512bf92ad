package io.totesys.pipeline.world;

import java.util.List;

/**
 * How long a server of an embedded world lives: as long as the JVM that started it, or until
 * its owner stops it. JVM shutdown hooks run all at once, in no order, and a terminal's Ctrl+C
 * signals every process of its foreground group at once: a launcher that must stop what uses
 * the servers first (the README's first command stops the service, whose batches under way
 * need both) owns them.
 */
public enum ServerLifetime {

    /**
     * PostgreSQL is stopped by its own JVM shutdown hook; s3proxy stays in the JVM's process
     * group, so that a Ctrl+C stops it with the tests.
     */
    WITH_THE_JVM,

    /**
     * Only the owner's {@code close()} stops them: PostgreSQL without a hook of its own, s3proxy in
     * a session of its own where {@code setsid} is there (as {@code pg_ctl} puts PostgreSQL), so
     * that a Ctrl+C reaches neither.
     */
    UNTIL_ITS_OWNER_STOPS_IT;

    /** The command that starts a server's process for this lifetime. */
    List<String> command(List<String> command) {
        return this == WITH_THE_JVM ? command : JavaProcess.inASessionOfItsOwn(command);
    }
}
