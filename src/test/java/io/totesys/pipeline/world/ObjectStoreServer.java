package io.totesys.pipeline.world;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.awaitility.core.TerminalFailureException;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.BucketAlreadyOwnedByYouException;

/**
 * A real S3 server: s3proxy with a filesystem backend, run from its
 * jar-with-dependencies as a process of its own (the build copies it to
 * {@code target/s3proxy/s3proxy.jar}). Objects survive a restart of the server.
 */
public final class ObjectStoreServer implements AutoCloseable {

    public static final String ACCESS_KEY = "totesys-access-key";
    public static final String SECRET_KEY = "totesys-secret-key";
    public static final String REGION = "us-east-1";

    private static final Path JAR = Path.of("target", "s3proxy", "s3proxy.jar");
    /** The file store writes an upload to {@code <key>-<random UUID>} and renames it once complete. */
    private static final Pattern INCOMPLETE_UPLOAD = Pattern.compile(
            ".*-\\p{XDigit}{8}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{4}-\\p{XDigit}{12}");

    /** Where the server keeps objects. */
    public enum Storage {
        /** Files in the data directory; objects survive a restart of the server. */
        FILES("filesystem-nio2"),
        /** Memory; objects are lost with the server. */
        MEMORY("transient-nio2");

        private final String provider;

        Storage(String provider) {
            this.provider = provider;
        }
    }

    private final int port;
    private final Path dataDirectory;
    private final Path logFile;
    private final Storage storage;
    private final ServerLifetime lifetime;
    private Process process;

    private ObjectStoreServer(int port, Path dataDirectory, Storage storage, ServerLifetime lifetime) {
        this.port = port;
        this.lifetime = lifetime;
        this.dataDirectory = dataDirectory;
        this.logFile = dataDirectory.resolveSibling(dataDirectory.getFileName() + ".log");
        this.storage = storage;
    }

    /** Starts the server on the given port (0 for any free one), keeping objects in the directory. */
    public static ObjectStoreServer start(int port, Path dataDirectory, String... buckets) {
        return start(port, dataDirectory, Storage.FILES, ServerLifetime.WITH_THE_JVM, buckets);
    }

    /** Starts the server on the given port (0 for any free one) with the given storage, living as long as asked. */
    public static ObjectStoreServer start(int port, Path dataDirectory, Storage storage, ServerLifetime lifetime,
            String... buckets) {
        ObjectStoreServer server = new ObjectStoreServer(port > 0 ? port : FreePort.find(), dataDirectory, storage,
                lifetime);
        server.start();
        server.createBuckets(buckets);
        return server;
    }

    /** Starts the server again after {@link #stop()}, on the same port and with the same objects. */
    public void start() {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: build the project first (./mvnw package)");
        }
        try {
            Files.createDirectories(dataDirectory);
            discardIncompleteUploads();
            Path properties = dataDirectory.resolveSibling(dataDirectory.getFileName() + ".properties");
            Files.writeString(properties, String.join("\n",
                    "s3proxy.endpoint=http://127.0.0.1:" + port,
                    "s3proxy.authorization=aws-v2-or-v4",
                    "s3proxy.identity=" + ACCESS_KEY,
                    "s3proxy.credential=" + SECRET_KEY,
                    "jclouds.provider=" + storage.provider,
                    "jclouds.filesystem.basedir=" + dataDirectory.toAbsolutePath(),
                    ""));
            process = new ProcessBuilder(lifetime.command(JavaProcess.command("-Xmx256m", "-jar",
                    JAR.toAbsolutePath().toString(), "--properties", properties.toAbsolutePath().toString())))
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile())
                    .start();
            awaitReady();
        } catch (IOException e) {
            throw new UncheckedIOException("starting s3proxy failed", e);
        }
    }

    /** Stops the server, as an outage would. */
    public void stop() {
        if (process != null) {
            process.destroy();
            try {
                if (!process.waitFor(30, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
            process = null;
        }
    }

    /**
     * Removes what uploads cut short left in the file store. S3 never shows an upload that did
     * not complete, but s3proxy's file store keeps its temporary file when the client goes
     * away mid-upload (a killed service), and then fails every listing of that bucket with
     * HTTP 500 ("Unable to get size of extended attribute"). A crash test calls this after
     * each kill; {@link #start()} calls it too.
     */
    public void discardIncompleteUploads() {
        if (storage != Storage.FILES || !Files.isDirectory(dataDirectory)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dataDirectory)) {
            for (Path file : files.filter(Files::isRegularFile)
                    .filter(path -> INCOMPLETE_UPLOAD.matcher(path.getFileName().toString()).matches()).toList()) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("discarding incomplete uploads under " + dataDirectory + " failed", e);
        }
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** A client configured as S3-compatible servers need it: path style, checksums only when required. */
    public S3Client client() {
        return clientBuilder().build();
    }

    /** The same client's builder, for a test that adds to its configuration (an interceptor). */
    public S3ClientBuilder clientBuilder() {
        return S3Client.builder()
                .httpClientBuilder(ApacheHttpClient.builder())
                .endpointOverride(URI.create(endpoint()))
                .forcePathStyle(true)
                .region(Region.of(REGION))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)));
    }

    private void createBuckets(String... buckets) {
        try (S3Client s3 = client()) {
            for (String bucket : buckets) {
                try {
                    s3.createBucket(request -> request.bucket(bucket));
                } catch (BucketAlreadyOwnedByYouException e) {
                    // kept from an earlier run
                }
            }
        }
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        try {
            Awaitility.await("s3proxy answers").atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO)
                    .pollInterval(Duration.ofMillis(200)).ignoreExceptionsInstanceOf(IOException.class)
                    .failFast("s3proxy exited at start", () -> !process.isAlive())
                    .until(() -> http.send(HttpRequest.newBuilder(URI.create(endpoint())).GET().build(),
                            HttpResponse.BodyHandlers.discarding()) != null);
        } catch (TerminalFailureException e) {
            throw new IllegalStateException("s3proxy exited at start; see " + logFile, e);
        } catch (ConditionTimeoutException e) {
            throw new IllegalStateException("s3proxy did not answer within 60 s; see " + logFile, e);
        }
    }

    @Override
    public void close() {
        stop();
    }
}
