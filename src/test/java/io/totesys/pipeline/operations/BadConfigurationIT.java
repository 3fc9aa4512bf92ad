package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;

import io.totesys.pipeline.testing.LakeContents;
import io.totesys.pipeline.testing.TestWorld;
import io.totesys.pipeline.testing.ToteSysFixture;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * A misconfigured service says what is wrong in one line that names the setting, never
 * prints a secret, and writes nothing to the lake. The runs go four at a time (each test
 * {@link ExecutionMode#CONCURRENT}; the class itself runs alone, as every other, since they
 * share the test world): each is a process of its own that spends most of its life starting or
 * waiting for a refusal, and none writes anywhere (each checks that the lake stays empty).
 */
class BadConfigurationIT {

    private static final String WRONG_PASSWORD = "not-the-password-0f7c";

    private static final EmbeddedWorld WORLD = TestWorld.get();

    @BeforeAll
    static void seedToteSys() {
        ToteSysFixture.reset(WORLD);
        new ToteSysSimulator(WORLD.totesysOwner(), 3).seed(0.01);
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void wrongToteSysPassword() throws Exception {
        String reason = runOnceFails(Map.of("TOTESYS_PASSWORD", WRONG_PASSWORD));
        assertThat(reason).contains("rejected the login", "TOTESYS_USERNAME and TOTESYS_PASSWORD");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void unknownToteSysHost() throws Exception {
        String reason = runOnceFails(Map.of("TOTESYS_JDBC_URL", "jdbc:postgresql://no-such-host.invalid:5432/totesys"));
        assertThat(reason).contains("no-such-host.invalid", "is unknown", "TOTESYS_JDBC_URL");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void missingToteSysDatabase() throws Exception {
        String reason = runOnceFails(Map.of("TOTESYS_JDBC_URL",
                WORLD.databases().jdbcUrl("no_such_database") + "?password=" + DatabaseServer.READER_PASSWORD));
        assertThat(reason).contains("does not exist", "no_such_database", "TOTESYS_JDBC_URL");
    }

    /** A mistyped scheme: the password in the URL's query string must not be echoed by any line. */
    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void mistypedJdbcUrlWithAPasswordInItsQueryString() throws Exception {
        String url = WORLD.databases().jdbcUrl(DatabaseServer.TOTESYS_DATABASE).replace("jdbc:postgresql:",
                "jdbc:postgres:")
                + "?password=" + WRONG_PASSWORD;
        String reason = runOnceFails(Map.of("TOTESYS_JDBC_URL", url));
        assertThat(reason).contains("TOTESYS_JDBC_URL");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void wrongWarehousePassword() throws Exception {
        String reason = runOnceFails(Map.of("WAREHOUSE_PASSWORD", WRONG_PASSWORD));
        assertThat(reason).contains("warehouse", "WAREHOUSE_USERNAME and WAREHOUSE_PASSWORD");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void missingIngestBucket() throws Exception {
        String reason = runOnceFails(Map.of("LAKE_INGEST_BUCKET", "no-such-bucket"));
        assertThat(reason).contains("'no-such-bucket' does not exist", "LAKE_INGEST_BUCKET");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void wrongSecretKey() throws Exception {
        String reason = runOnceFails(Map.of("AWS_SECRET_ACCESS_KEY", WRONG_PASSWORD));
        assertThat(reason).contains("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void unknownAwsRegion() throws Exception {
        String reason = failsWith(Map.of("S3_ENDPOINT", "", "AWS_REGION", "eu-west-9"), "Configuration error");
        assertThat(reason).contains("AWS_REGION 'eu-west-9' is not an AWS region", "eu-west-2");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void noAwsCredentials() throws Exception {
        String reason = runOnceFails(Map.of("AWS_ACCESS_KEY_ID", "", "AWS_SECRET_ACCESS_KEY", "",
                "AWS_EC2_METADATA_DISABLED", "true"));
        assertThat(reason).contains("no AWS credentials were found", "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void halfTheAwsCredentials() throws Exception {
        String reason = failsWith(Map.of("AWS_SECRET_ACCESS_KEY", ""), "Configuration error");
        assertThat(reason).contains("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void unknownSchemaChangePolicy() throws Exception {
        String reason = failsWith(Map.of("ETL_SCHEMA_CHANGE_POLICY", "hold-everything"), "Configuration error");
        assertThat(reason).contains("ETL_SCHEMA_CHANGE_POLICY 'hold-everything' is not a policy",
                "hold-table (the default) or hold-pipeline");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void addedColumnOfATableThatIsNotToteSys() throws Exception {
        String reason = failsWith(Map.of("ETL_STAR_SCHEMA_ADDED_COLUMNS", "sale_order.discount_percent numeric(5,2)"),
                "Configuration error");
        assertThat(reason).contains("ETL_STAR_SCHEMA_ADDED_COLUMNS entry 'sale_order.discount_percent numeric(5,2)': "
                + "'sale_order' is not a ToteSys table; columns can be added from [address, currency, design");
    }

    /** No migration adds the column: every stage fails with the line until one does, nothing reaches the lake. */
    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void addedColumnTheWarehouseLacks() throws Exception {
        String reason = runOnceFails(Map.of("ETL_STAR_SCHEMA_ADDED_COLUMNS", "payment.company_ac_number integer"));
        assertThat(reason).contains("ETL_STAR_SCHEMA_ADDED_COLUMNS adds payment.company_ac_number integer, but the "
                + "warehouse has no column fact_payment.company_ac_number after the migrations: add it with a "
                + "migration in ETL_STAR_SCHEMA_MIGRATIONS, such as ALTER TABLE public.fact_payment ADD COLUMN "
                + "\"company_ac_number\" integer");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void malformedPollInterval() throws Exception {
        String reason = failsWith(Map.of("ETL_POLL_INTERVAL", "every minute"), "Configuration error");
        assertThat(reason).contains("ETL_POLL_INTERVAL 'every minute' is not a duration", "30s");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void zeroRetryBackoff() throws Exception {
        String reason = failsWith(Map.of("ETL_RETRY_MAX_BACKOFF", "0s"), "Configuration error");
        assertThat(reason).contains("ETL_RETRY_MAX_BACKOFF '0s' is not a positive duration");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void routeFileOfAnEarlierRelease() throws Exception {
        String reason = failsWith(Map.of("ETL_ROUTES_DIRECTORY", routesWithOneOfAnEarlierRelease("load.camel.yaml")
                .toString()), "Configuration error");
        assertThat(reason).contains("load.camel.yaml in ETL_ROUTES_DIRECTORY is from an earlier release",
                "take load.camel.yaml and stage-poll.camel.yaml from this release");
    }

    /**
     * An extract route file of the release before the stage's lock became a step of its own
     * would run batches without the lock: the service does not start, and says which step is
     * missing.
     */
    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void routeFileOfAnEarlierReleaseThatDoesNotHoldItsStage() throws Exception {
        String reason = failsWith(Map.of("ETL_ROUTES_DIRECTORY",
                routesWithOneOfAnEarlierRelease("extract.camel.yaml").toString()), "Configuration error");
        assertThat(reason).contains("extract.camel.yaml in ETL_ROUTES_DIRECTORY is from an earlier release "
                + "(extract-batch lacks the step start-extract-batch)",
                "take extract.camel.yaml and stage-poll.camel.yaml from this release");
    }

    /** This release's route files, but one copied from {@code src/test/resources/routes-of-an-earlier-release}. */
    private static Path routesWithOneOfAnEarlierRelease(String file) throws IOException {
        Path routes = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "routes-");
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path routeFile : files.toList()) {
                Files.copy(routeFile, routes.resolve(routeFile.getFileName()));
            }
        }
        Files.copy(Path.of("src/test/resources/routes-of-an-earlier-release", file), routes.resolve(file),
                StandardCopyOption.REPLACE_EXISTING);
        return routes;
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void routeFileThatCatchesAnExceptionByItsEarlierName() throws Exception {
        Path routes = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "routes-");
        try (Stream<Path> files = Files.list(Path.of("routes"))) {
            for (Path file : files.toList()) {
                Files.writeString(routes.resolve(file.getFileName()), Files.readString(file).replace(
                        "io.totesys.pipeline.lake.csv.InvalidSourceDataException",
                        "io.totesys.pipeline.source.InvalidSourceDataException"));
            }
        }
        String reason = failsWith(Map.of("ETL_ROUTES_DIRECTORY", routes.toString()), "Configuration error");
        assertThat(reason).contains("is from an earlier release",
                "it catches io.totesys.pipeline.source.InvalidSourceDataException, which this release calls "
                        + "io.totesys.pipeline.lake.csv.InvalidSourceDataException");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void routesFolderThatIsNotThere() throws Exception {
        String reason = failsWith(Map.of("ETL_ROUTES_DIRECTORY", "/etc/totesys-pipeline/routes"),
                "Configuration error");
        assertThat(reason).contains("ETL_ROUTES_DIRECTORY '/etc/totesys-pipeline/routes' is not a folder");
    }

    @Test
    @Execution(ExecutionMode.CONCURRENT)
    void jolokiaOriginThatIsNotAnOrigin() throws Exception {
        String reason = failsWith(Map.of("ETL_JOLOKIA_ALLOWED_ORIGINS", "hawtio.example.com"), "Configuration error");
        assertThat(reason).contains("ETL_JOLOKIA_ALLOWED_ORIGINS 'hawtio.example.com' is not an origin");
    }

    /** Runs the service once with the given settings changed; returns the reason it gave. */
    private String runOnceFails(Map<String, String> changes) throws Exception {
        return failsWith(changes, "Run once failed");
    }

    /** Runs the service once with the given settings changed; returns its line that starts as given. */
    private String failsWith(Map<String, String> changes, String reasonStart) throws Exception {
        Map<String, String> environment = WORLD.runOnceEnvironment();
        environment.putAll(changes);
        Path log = Files.createTempFile(Path.of("target"), "bad-configuration-", ".log");
        PipelineService service = PipelineService.start(environment, log);

        int exitCode = service.awaitExit(Duration.ofMinutes(2));
        String output = service.output();

        assertThat(exitCode).as("exit code; output:%n%s", output).isEqualTo(1);
        assertThat(output).as("secrets in the output")
                .doesNotContain(WRONG_PASSWORD, DatabaseServer.READER_PASSWORD, DatabaseServer.WAREHOUSE_PASSWORD,
                        WORLD.environment().get("AWS_SECRET_ACCESS_KEY"));
        assertThat(output).as("stack traces in the output").doesNotContain("\tat ");
        assertThat(new LakeContents(WORLD.s3(), EmbeddedWorld.INGEST_BUCKET).keys(""))
                .as("objects written to the lake").isEmpty();
        String reason = output.lines().filter(line -> line.contains(reasonStart)).findFirst()
                .orElseThrow(() -> new AssertionError("no one-line reason in:\n" + output));
        return reason.substring(reason.indexOf(reasonStart));
    }
}
