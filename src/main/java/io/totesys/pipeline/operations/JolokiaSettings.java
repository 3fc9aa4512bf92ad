package io.totesys.pipeline.operations;

import java.util.List;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;

/** Who may call Jolokia from a browser page: {@code etl.jolokia.*}. */
@ConfigMapping(prefix = "etl.jolokia")
public interface JolokiaSettings {

    /**
     * The origins ({@code https://hawtio.example.com}) whose pages may call Jolokia from a
     * browser: {@code ETL_JOLOKIA_ALLOWED_ORIGINS}, comma-separated; none by default.
     */
    Optional<List<String>> allowedOrigins();
}
