package io.totesys.pipeline.operations;

import java.util.Optional;

/**
 * A check of settings that belong to a package above this one (the status page's login): it
 * says why they cannot work, and {@link SettingsCheck} stops the service with that line as it
 * starts, before any route, as it does for its own.
 */
public interface SettingsRule {

    /** Why the settings cannot work, in one line that names them and says what to write; empty when they can. */
    Optional<String> problem();
}
