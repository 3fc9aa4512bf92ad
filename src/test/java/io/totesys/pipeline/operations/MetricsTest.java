package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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
import io.totesys.pipeline.testing.ScrapedMetrics;
import io.totesys.pipeline.testing.ServerBacked;
import io.totesys.pipeline.testing.SqlRows;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.TestWorldResource;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.ToteSysSimulator;

/** What Prometheus scrapes from {@code /q/metrics} after a batch went through the pipeline. */
@QuarkusTest
@ServerBacked
@WithTestResource(TestWorldResource.class)
class MetricsTest {

    @Inject
    ProducerTemplate producer;

    @TestHTTPResource("/q/metrics")
    URL metrics;

    private final EmbeddedWorld world = TestWorld.get();
    private ScrapedMetrics scraped;

    @BeforeEach
    void emptyEverything() {
        ToteSysFixture.reset(world);
        scraped = new ScrapedMetrics(metrics);
    }

    @Test
    void perTableRowCountersAndTheFreshnessGauge() throws Exception {
        double extractedBefore = scraped.sample("pipeline_rows_total", "stage=\"extract\",table=\"sales_order\"");
        double loadedBefore = scraped.sample("pipeline_rows_total", "stage=\"load\",table=\"fact_sales_order\"");
        new ToteSysSimulator(world.totesysOwner(), 41).seed(0.01);
        long salesOrders = SqlRows.count(world.totesysOwner(), "SELECT count(*) FROM sales_order");

        for (PipelineStage stage : PipelineStage.values()) {
            PipelineStages.run(producer, stage);
        }

        assertThat(scraped.sample("pipeline_rows_total", "stage=\"extract\",table=\"sales_order\"") - extractedBefore)
                .isEqualTo(salesOrders);
        assertThat(scraped.sample("pipeline_rows_total", "stage=\"transform\",table=\"fact_sales_order\""))
                .isGreaterThanOrEqualTo(salesOrders);
        assertThat(scraped.sample("pipeline_rows_total", "stage=\"load\",table=\"fact_sales_order\"") - loadedBefore)
                .isEqualTo(salesOrders);
        assertThat(scraped.sample("pipeline_batch_duration_seconds_count", "stage=\"load\"")).isPositive();

        LocalDateTime watermark = LocalDateTime.parse(SqlRows.of(world.databases().warehouse(),
                "SELECT min(high_water) FROM pipeline.extract_watermark").get(0)
                .replaceAll("[()\"]", "").replace(' ', 'T'));
        double expectedLag = Duration.between(watermark, LocalDateTime.now(ZoneOffset.UTC)).toMillis() / 1000.0;
        assertThat(scraped.sample("pipeline_freshness_lag_seconds", null))
                .as("seconds behind ToteSys").isBetween(expectedLag - 1, expectedLag + 5);
    }

    /**
     * Every {@code pipeline_*} metric that a panel of the Grafana dashboard or a rule of the
     * PrometheusRule queries is published, and each stage's counters are there at zero
     * before their first increment (a quarantine alert must see the first one).
     */
    @Test
    void everyMetricTheDashboardAndTheAlertsQueryIsPublishedFromTheStart() throws Exception {
        String published = scraped.text();
        Set<String> queried = new TreeSet<>();
        for (Path file : List.of(Path.of("k8s/base/grafana-dashboard.json"), Path.of("k8s/base/prometheusrule.yaml"))) {
            Matcher name = Pattern.compile("pipeline_[a-z_]+").matcher(Files.readString(file));
            while (name.find()) {
                queried.add(name.group());
            }
        }
        assertThat(queried).as("metrics the dashboard and the alerts query").contains(
                "pipeline_batch_duration_seconds_bucket", "pipeline_quarantined_objects_total");
        assertThat(queried).allSatisfy(metric -> assertThat(published).as("published: %s", metric)
                .containsPattern("(?m)^" + metric + "[{ ]"));
        for (String stage : List.of("extract", "transform", "load")) {
            assertThat(published).contains("pipeline_failures_total{stage=\"" + stage + "\"}",
                    "pipeline_batch_duration_seconds_bucket{stage=\"" + stage + "\",le=\"");
        }
        assertThat(published).contains(
                "pipeline_quarantined_objects_total{stage=\"load\",table=\"fact_payment\"}",
                "pipeline_quarantined_objects_total{stage=\"transform\",table=\"sales_order\"}",
                "pipeline_quarantined_rows_total{stage=\"transform\",table=\"design\"}",
                "pipeline_rows_total{stage=\"extract\",table=\"department\"}");
    }
}
