package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The settings checked as the service starts, those without a server to ask. */
class SettingsCheckTest {

    /** Issue 12, point 4: {@code ETL_RECONCILE_INTERVAL=0} turns reconciliation off, and is no mistake. */
    @Test
    void aReconcileIntervalOfZeroTurnsReconciliationOff() {
        assertThat(SettingsCheck.reconcileIntervalProblem("0")).isNull();
        assertThat(SettingsCheck.reconcileIntervalProblem("0s")).isNull();
        assertThat(SettingsCheck.reconcileIntervalProblem("1h")).isNull();
        assertThat(SettingsCheck.reconcileIntervalProblem("hourly")).isEqualTo("is not a duration");
        assertThat(SettingsCheck.intervalProblem("0")).as("other periods must be positive").isNotNull();
    }
}
