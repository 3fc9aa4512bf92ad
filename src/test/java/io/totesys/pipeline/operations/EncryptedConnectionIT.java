package io.totesys.pipeline.operations;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import io.totesys.pipeline.starschema.WarehouseTable;
import io.totesys.pipeline.testing.StarSchemaFromToteSys;
import io.totesys.pipeline.world.DatabaseServer;
import io.totesys.pipeline.world.EmbeddedWorld;
import io.totesys.pipeline.world.PipelineService;
import io.totesys.pipeline.world.TestCertificates;
import io.totesys.pipeline.world.ToteSysSimulator;

/**
 * TLS to both databases, as docs/operations.md documents it: a PostgreSQL server that refuses
 * every unencrypted connection, a certificate signed by the operator's own authority, and
 * the service told to verify it ({@code sslmode=verify-full}, the authority as
 * {@code sslrootcert}), through nothing but its JDBC URLs.
 */
class EncryptedConnectionIT {

    private static EmbeddedWorld world;
    private static Path directory;
    private static TestCertificates certificates;

    @BeforeAll
    static void startAWorldThatRequiresTls() throws Exception {
        directory = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "tls-world-");
        world = EmbeddedWorld.start(directory, 0, 0);
        certificates = TestCertificates.create(directory.resolve("certificates"));
        world.requireTls(certificates);
        new ToteSysSimulator(world.totesysOwner(), 5).seed(0.01);
    }

    @AfterAll
    static void stopEverything() {
        world.close();
    }

    @Test
    void theServiceVerifiesTheServersCertificateAndLoadsOverTls() throws Exception {
        PipelineService service = runOnce(certificates.authority(), certificates.authority());

        assertThat(service.awaitExit(Duration.ofMinutes(2))).as("exit code; output:%n%s", service.output())
                .isZero();
        assertThat(StarSchemaFromToteSys.warehouseRows(world.databases().warehouse(), WarehouseTable.FACT_SALES_ORDER))
                .as("sales orders loaded over TLS")
                .containsExactlyInAnyOrderElementsOf(
                        StarSchemaFromToteSys.rows(world.totesysOwner(), WarehouseTable.FACT_SALES_ORDER));
    }

    @Test
    void aCertificateFromAnotherAuthorityIsRefusedInOneLine() throws Exception {
        TestCertificates stranger = TestCertificates.create(directory.resolve("another-authority"));
        PipelineService service = runOnce(stranger.authority(), certificates.authority());

        assertThat(service.awaitExit(Duration.ofMinutes(2))).isEqualTo(1);
        String output = service.output();
        assertThat(output).as("stack traces").doesNotContain("\tat ");
        assertThat(output.lines().filter(line -> line.contains("Run once failed")).findFirst())
                .as("the one-line reason in:%n%s", output)
                .hasValueSatisfying(line -> assertThat(line).contains("certificate", "is not trusted",
                        "sslrootcert in TOTESYS_JDBC_URL"));
    }

    /** Runs the service once against the world, trusting the given authorities for ToteSys and the warehouse. */
    private static PipelineService runOnce(Path totesysAuthority, Path warehouseAuthority) throws Exception {
        Map<String, String> environment = world.runOnceEnvironment();
        environment.put("TOTESYS_JDBC_URL",
                world.databases().jdbcUrl(DatabaseServer.TOTESYS_DATABASE) + verifyFull(totesysAuthority));
        environment.put("WAREHOUSE_JDBC_URL",
                world.databases().jdbcUrl(DatabaseServer.WAREHOUSE_DATABASE) + verifyFull(warehouseAuthority));
        return PipelineService.start(environment, Files.createTempFile(directory, "service-", ".log"));
    }

    private static String verifyFull(Path authority) {
        return "?sslmode=verify-full&sslrootcert=" + authority.toAbsolutePath();
    }
}
