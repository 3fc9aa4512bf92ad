package io.totesys.pipeline.status;

import java.time.Duration;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/**
 * What a view of the status page may cost the service: it reads the warehouse through a
 * connection of its own ({@code quarkus.datasource.status}, never one the stages take), and
 * every viewer within {@link #cache()} is answered with the same read.
 */
@ConfigMapping(prefix = "etl.status")
public interface StatusSettings {

    /**
     * {@code ETL_STATUS_CACHE}: how long a read of the page answers every viewer; each query
     * of the page ({@code ?before=}, {@code ?after=}) is read at most once in that time,
     * however many ask.
     */
    Duration cache();

    /**
     * {@code ETL_STATUS_CONNECTION_TIMEOUT}: how long a view waits for the page's own
     * connection to the warehouse (another view's read holds it); then it answers with the
     * last page read, or 503 with a one-line reason when none was read yet.
     */
    Duration connectionTimeout();

    /** The optional login in front of the page ({@link StatusLogin}). */
    Login login();

    /** {@code ETL_STATUS_USERNAME} and {@code ETL_STATUS_PASSWORD}: both set, or neither for an open page. */
    interface Login {

        Optional<String> username();

        Optional<String> password();
    }
}
