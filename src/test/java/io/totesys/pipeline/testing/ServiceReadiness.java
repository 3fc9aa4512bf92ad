package io.totesys.pipeline.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;

/** The readiness endpoint of a packaged service, as Kubernetes polls it. */
public final class ServiceReadiness {

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final URI endpoint;
    private final Supplier<String> serviceOutput;

    public ServiceReadiness(int port, Supplier<String> serviceOutput) {
        this.endpoint = URI.create("http://127.0.0.1:" + port + "/q/health/ready");
        this.serviceOutput = serviceOutput;
    }

    /**
     * Polls readiness until it answers the status with a body holding every text; returns
     * the body. Fails with the last answer and the service's output after the timeout.
     */
    public String await(Duration timeout, int status, String... texts) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        String last = "no answer";
        while (Instant.now().isBefore(deadline)) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint)
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                last = response.statusCode() + " " + response.body();
                boolean matches = response.statusCode() == status;
                for (String text : texts) {
                    matches &= response.body().contains(text);
                }
                if (matches) {
                    return response.body();
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(250);
        }
        throw new AssertionError("readiness never answered " + status + " with " + String.join(", ", texts)
                + "; last answer: " + last + "\nservice output:\n" + serviceOutput.get());
    }
}
