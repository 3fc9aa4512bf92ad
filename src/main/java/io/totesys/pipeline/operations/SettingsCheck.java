package io.totesys.pipeline.operations;

import java.util.LinkedHashMap;
import java.util.Map;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;

import org.apache.camel.spi.CamelEvent.CamelContextInitializingEvent;
import org.apache.camel.util.TimeUtils;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;


/**
 * Settings that only the routes read, checked as the service starts: a malformed one stops
 * the service at once with one line that names the setting and says what to write.
 */
@ApplicationScoped
public class SettingsCheck {

    private static final Logger LOG = Logger.getLogger(SettingsCheck.class);

    private final Map<String, String> intervals = new LinkedHashMap<>();

    SettingsCheck(@ConfigProperty(name = "etl.poll-interval") String pollInterval,
            @ConfigProperty(name = "etl.stage-poll-interval") String stagePollInterval) {
        intervals.put("ETL_POLL_INTERVAL", pollInterval);
        intervals.put("ETL_STAGE_POLL_INTERVAL", stagePollInterval);
    }

    /**
     * Runs before Camel builds the routes, which would otherwise fail on the setting with a
     * stack trace; the service stops before any route starts.
     */
    void check(@Observes CamelContextInitializingEvent event) {
        intervals.forEach((setting, value) -> {
            String problem = intervalProblem(value);
            if (problem != null) {
                LOG.errorf("Configuration error: %s '%s' %s: write a duration such as 30s, 5m or 1h", setting, value,
                        problem);
                Runtime.getRuntime().halt(1);
            }
        });
    }

    /** Why a timer period is unusable, or {@code null} when it is fine. */
    static String intervalProblem(String value) {
        try {
            return TimeUtils.toMilliSeconds(value) > 0 ? null : "is not a positive duration";
        } catch (RuntimeException e) {
            return "is not a duration";
        }
    }
}
