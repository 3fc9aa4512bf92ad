package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletionException;

import org.apache.camel.CamelContext;
import org.apache.camel.CamelExchangeException;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import io.totesys.pipeline.lake.LakeObjectException;
import io.totesys.pipeline.stage.PipelineStateException;

/**
 * A failure that no dependency explains is told by what went wrong, not by the wrappers it
 * travelled in: the line an operator reads must never be only Camel's "Exception occurred
 * during execution on the exchange".
 */
class FailureDiagnosisTest {

    @Test
    void camelsWrapperGivesWayToTheCause() throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            Exchange exchange = new DefaultExchange(camel);
            Throwable failure = new CamelExecutionException("Exception occurred during execution on the exchange",
                    exchange, new CompletionException(new IllegalStateException("the read horizon is gone")));

            assertThat(FailureDiagnosis.whatFailed(failure))
                    .isEqualTo("IllegalStateException: the read horizon is gone");
        }
    }

    @Test
    void aSplitsWrappersGiveWayToTheCause() throws Exception {
        try (CamelContext camel = new DefaultCamelContext()) {
            Exchange exchange = new DefaultExchange(camel);
            Throwable failure = new CamelExchangeException("Multicast processing failed for number 0", exchange,
                    new CamelExchangeException("Multicast processing failed for number 2", exchange,
                            new LakeObjectException("reading s3://lake/input/x.csv failed mid-stream: Connection reset",
                                    null)));

            assertThat(FailureDiagnosis.whatFailed(failure))
                    .isEqualTo("reading s3://lake/input/x.csv failed mid-stream: Connection reset");
        }
    }

    @Test
    void thePipelinesOwnMessageIsGivenAsItIs() {
        Throwable failure = new CompletionException(
                new PipelineStateException("publishing the checksums of batch x failed", null));

        assertThat(FailureDiagnosis.whatFailed(failure)).isEqualTo("publishing the checksums of batch x failed");
    }

    @Test
    void aFailureWithoutAMessageIsNamedByItsType() {
        assertThat(FailureDiagnosis.whatFailed(new RuntimeException(new NullPointerException())))
                .isEqualTo("NullPointerException");
    }
}
