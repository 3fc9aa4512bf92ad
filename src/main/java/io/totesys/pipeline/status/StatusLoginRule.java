package io.totesys.pipeline.status;

import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.arc.Unremovable;
import io.totesys.pipeline.operations.SettingsRule;

/**
 * The status page's login needs both its settings, or neither ({@link StatusLogin}). Found by
 * {@code SettingsCheck} through {@code Instance<SettingsRule>} only, hence kept by name.
 */
@ApplicationScoped
@Unremovable
public class StatusLoginRule implements SettingsRule {

    private final StatusSettings.Login login;

    StatusLoginRule(StatusSettings settings) {
        this.login = settings.login();
    }

    @Override
    public Optional<String> problem() {
        return problem(login.username().isPresent(), login.password().isPresent());
    }

    /** Why the login cannot work, given which of its two settings are set; empty when it can. */
    static Optional<String> problem(boolean username, boolean password) {
        if (username == password) {
            return Optional.empty();
        }
        return Optional.of((username ? "ETL_STATUS_USERNAME is set but ETL_STATUS_PASSWORD is not"
                : "ETL_STATUS_PASSWORD is set but ETL_STATUS_USERNAME is not")
                + ": set both (from the Secret) for a login in front of the status page, or neither for an open page");
    }
}
