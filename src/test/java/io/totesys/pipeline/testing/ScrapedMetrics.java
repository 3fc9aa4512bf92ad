package io.totesys.pipeline.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What Prometheus scrapes from the service's {@code /q/metrics}, as text and sample by sample. */
public final class ScrapedMetrics {

    private final URI metrics;
    private final HttpClient client = HttpClient.newHttpClient();

    public ScrapedMetrics(URL metrics) {
        try {
            this.metrics = metrics.toURI();
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The whole scrape, in Prometheus's text format. */
    public String text() {
        try {
            return client.send(HttpRequest.newBuilder(metrics).build(), HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while scraping " + metrics, e);
        }
    }

    /**
     * The value of a metric's first sample whose labels contain the given text ({@code null}:
     * any labels or none), 0 when there is none yet.
     */
    public double sample(String name, String labels) {
        Pattern line = Pattern.compile("^" + Pattern.quote(name) + (labels == null ? "(\\{[^}]*\\})?"
                : "\\{[^}]*" + Pattern.quote(labels) + "[^}]*\\}") + " ([0-9.eE+-]+|NaN)$", Pattern.MULTILINE);
        Matcher matcher = line.matcher(text());
        return matcher.find() ? Double.parseDouble(matcher.group(matcher.groupCount())) : 0;
    }
}
