package io.totesys.pipeline.stage;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

/**
 * A stage's step that must run under the stage's lock refuses a run that does not hold it,
 * with a line that names the route step a route file of the user's own lacks.
 */
class StageStartTest {

    @Test
    void aRunThatDoesNotHoldItsStageIsRefusedNamingTheMissingStep() throws Exception {
        try (DefaultCamelContext context = new DefaultCamelContext()) {
            Exchange run = new DefaultExchange(context);

            assertThatThrownBy(() -> StageStart.requireHeld(PipelineStage.TRANSFORM, run))
                    .isInstanceOf(RouteFileException.class)
                    .hasMessage("the transform stage's run does not hold its lock: the route file lacks the step "
                            + "hold-transform-stage; take it from this release's routes/");
        }
    }
}
