package io.totesys.pipeline.status;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StatusLoginRuleTest {

    /** Issue 25, point 1: the status page's login needs both its settings, or neither. */
    @Test
    void aLoginNeedsBothItsSettings() {
        assertThat(StatusLoginRule.problem(false, false)).as("an open page").isEmpty();
        assertThat(StatusLoginRule.problem(true, true)).isEmpty();
        assertThat(StatusLoginRule.problem(true, false)).contains("ETL_STATUS_USERNAME is set but "
                + "ETL_STATUS_PASSWORD is not: set both (from the Secret) for a login in front of the status page, "
                + "or neither for an open page");
        assertThat(StatusLoginRule.problem(false, true)).hasValueSatisfying(
                problem -> assertThat(problem).startsWith("ETL_STATUS_PASSWORD is set but"));
    }
}
