package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.totesys.pipeline.stage.PipelineStage;
import io.totesys.pipeline.testing.PipelineStages;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/** What Prometheus scrapes from {@code /q/metrics} after a batch went through the pipeline. */
@QuarkusTest
@WithTestResource(TestWorldResource.class)
class MetricsTest {

    @Inject
    ProducerTemplate producer;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    private final EmbeddedWorld world = TestWorld.get();

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
    }

    @Test
    void perTableRowCountersAndTheFreshnessGauge() throws Exception {
        double extractedBefore = sample("pipeline_rows_total", "stage=\"extract\",table=\"sales_order\"");
        double loadedBefore = sample("pipeline_rows_total", "stage=\"load\",table=\"fact_sales_order\"");
        new ToteSysSimulator(world.totesysOwner(), 41).seed(0.01);
        long salesOrders = SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM sales_order");

        for (PipelineStage stage : PipelineStage.values()) {
            PipelineStages.run(producer, stage);
        }

        assertThat(sample("pipeline_rows_total", "stage=\"extract\",table=\"sales_order\"") - extractedBefore)
                .isEqualTo(salesOrders);
        assertThat(sample("pipeline_rows_total", "stage=\"transform\",table=\"fact_sales_order\""))
                .isGreaterThanOrEqualTo(salesOrders);
        assertThat(sample("pipeline_rows_total", "stage=\"load\",table=\"fact_sales_order\"") - loadedBefore)
                .isEqualTo(salesOrders);
        assertThat(sample("pipeline_batch_duration_seconds_count", "stage=\"load\"")).isPositive();

        LocalDateTime watermark = LocalDateTime.parse(SqlRows.of(world.databases().warehouse(),
                "SELECT min(high_water) FROM pipeline.extract_watermark").get(0)
                .replaceAll("[()\"]", "").replace(' ', 'T'));
        double expectedLag = Duration.between(watermark, LocalDateTime.now(ZoneOffset.UTC)).toMillis() / 1000.0;
        assertThat(sample("pipeline_freshness_lag_seconds", null))
                .as("seconds behind ToteSys").isBetween(expectedLag - 1, expectedLag + 5);
    }

    /** The value of a metric's sample with the given labels, 0 when there is none yet. */
    private double sample(String name, String labels) throws Exception {
        String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metrics.toString())).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + (labels == null ? "(\\{[^}]*\\})?"
                : "\\{[^}]*" + Pattern.quote(labels) + "[^}]*\\}") + " ([0-9.eE+-]+|NaN)$", Pattern.MULTILINE);
        Matcher matcher = line.matcher(text);
        return matcher.find() ? Double.parseDouble(matcher.group(matcher.groupCount())) : 0;
    }
}
