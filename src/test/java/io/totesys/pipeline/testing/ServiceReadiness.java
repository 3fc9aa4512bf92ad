package io.totesys.pipeline.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
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
    public String await(Duration timeout, int status, String... texts) {
        return Eventually.answers("readiness answers " + status + " with " + String.join(", ", texts), timeout,
                this::answer,
                answer -> answer.status() == status && Arrays.stream(texts).allMatch(answer.body()::contains),
                () -> "service output:\n" + serviceOutput.get())
                .body();
    }

    private Answer answer() throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(endpoint).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
        return new Answer(response.statusCode(), response.body());
    }

    /** What readiness answered, as the error on timeout shows it. */
    private record Answer(int status, String body) {

        @Override
        public String toString() {
            return status + " " + body;
        }
    }
}
