package io.totesys.pipeline.world;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.sql.DataSource;

import org.postgresql.ds.PGSimpleDataSource;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

/**
 * A real PostgreSQL server (binaries from Maven, no Docker) holding the ToteSys database
 * and an empty warehouse database, with password authentication for everyone but the
 * superuser, so that a wrong password is refused as it would be in production.
 * <p>
 * Roles: {@code totesys} owns ToteSys (the simulator writes as it); {@code totesys_reader}
 * may only SELECT on its tables, as most DBAs hand out (no {@code pg_read_all_stats}, no
 * replication); {@code warehouse} owns the warehouse database.
 */
public final class DatabaseServer implements AutoCloseable {

    public static final String TOTESYS_DATABASE = "totesys";
    public static final String WAREHOUSE_DATABASE = "warehouse";
    public static final String OWNER = "totesys";
    public static final String OWNER_PASSWORD = "totesys-owner-secret";
    public static final String READER = "totesys_reader";
    public static final String READER_PASSWORD = "totesys-reader-secret";
    public static final String WAREHOUSE_USER = "warehouse";
    public static final String WAREHOUSE_PASSWORD = "warehouse-secret";

    /** Password authentication for everyone but the superuser, who may connect from this machine only. */
    static final String PASSWORD_AUTHENTICATION = """
            local all all trust
            host all postgres 127.0.0.1/32 trust
            host all postgres ::1/128 trust
            host all all 127.0.0.1/32 scram-sha-256
            host all all ::1/128 scram-sha-256
            """;

    /** Whether the server's commits survive a crash of the machine. */
    public enum Durability {
        /**
         * Nothing is flushed to disk ({@code fsync} and {@code synchronous_commit} off): fast, and
         * enough for tests, whose data never outlives the machine running them.
         */
        FAST("off"),
        /**
         * PostgreSQL's defaults: every commit is flushed to disk before it returns ({@code fsync}
         * and {@code synchronous_commit} on), as users run their servers. For the benchmark.
         */
        DURABLE("on");

        private final String flush;

        Durability(String flush) {
            this.flush = flush;
        }
    }

    private final EmbeddedPostgres postgres;
    private final Durability durability;
    private final ServerLifetime lifetime;

    private DatabaseServer(EmbeddedPostgres postgres, Durability durability, ServerLifetime lifetime) {
        this.postgres = postgres;
        this.durability = durability;
        this.lifetime = lifetime;
    }

    /**
     * Starts a fast server (commits not flushed to disk) on the given port (0 for any free
     * one) with its data in the given directory, and creates both databases unless a
     * previous run already did.
     */
    public static DatabaseServer start(int port, Path dataDirectory) {
        return start(port, dataDirectory, Durability.FAST, ServerLifetime.WITH_THE_JVM);
    }

    /** Starts a server as {@link #start(int, Path)} does, as durable as asked, living as long as asked. */
    public static DatabaseServer start(int port, Path dataDirectory, Durability durability,
            ServerLifetime lifetime) {
        try {
            boolean fresh = !Files.exists(dataDirectory.resolve("PG_VERSION"));
            EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory)
                    .setCleanDataDirectory(false)
                    .setServerConfig("timezone", "UTC")
                    .setServerConfig("max_connections", "100")
                    .setServerConfig("fsync", durability.flush)
                    .setServerConfig("synchronous_commit", durability.flush)
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .setRegisterShutdownHook(lifetime == ServerLifetime.WITH_THE_JVM);
            if (port > 0) {
                builder.setPort(port);
            }
            DatabaseServer server = new DatabaseServer(builder.start(), durability, lifetime);
            if (fresh) {
                try {
                    server.initialise(dataDirectory);
                } catch (IOException | RuntimeException e) {
                    server.close();
                    throw e;
                }
            }
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("starting the embedded PostgreSQL server failed", e);
        }
    }

    private void initialise(Path dataDirectory) throws IOException {
        Files.writeString(dataDirectory.resolve("pg_hba.conf"), PASSWORD_AUTHENTICATION);
        execute(superuser("postgres"), "SELECT pg_reload_conf()");
        createToteSys(superuser("postgres"), superuser(TOTESYS_DATABASE),
                dataSource(TOTESYS_DATABASE, OWNER, OWNER_PASSWORD));
        execute(superuser("postgres"),
                "CREATE ROLE " + WAREHOUSE_USER + " LOGIN PASSWORD '" + WAREHOUSE_PASSWORD + "'",
                "CREATE DATABASE " + WAREHOUSE_DATABASE + " OWNER " + WAREHOUSE_USER);
    }

    /**
     * Creates ToteSys's roles, its database (owned by {@link #OWNER}) and its tables, which
     * {@link #READER} may only SELECT from, on a server that has none of them yet.
     *
     * @param server the server's superuser, connected to any database
     * @param totesys the superuser connected to the ToteSys database once it exists
     * @param owner {@link #OWNER} connected to the ToteSys database once it exists
     */
    static void createToteSys(DataSource server, DataSource totesys, DataSource owner) {
        execute(server,
                "CREATE ROLE " + OWNER + " LOGIN PASSWORD '" + OWNER_PASSWORD + "'",
                "CREATE ROLE " + READER + " LOGIN PASSWORD '" + READER_PASSWORD + "'",
                "CREATE DATABASE " + TOTESYS_DATABASE + " OWNER " + OWNER);
        execute(totesys, "ALTER SCHEMA public OWNER TO " + OWNER, "REVOKE CREATE ON SCHEMA public FROM PUBLIC");
        execute(owner, resource("/totesys/schema.sql"),
                "GRANT USAGE ON SCHEMA public TO " + READER,
                "GRANT SELECT ON ALL TABLES IN SCHEMA public TO " + READER);
    }

    /**
     * Turns TLS on with the given server certificate and refuses every connection but the
     * superuser's that does not use it, as a server that requires encryption does.
     */
    public void requireTls(TestCertificates certificates, Path dataDirectory) {
        try {
            Files.writeString(dataDirectory.resolve("pg_hba.conf"),
                    PASSWORD_AUTHENTICATION.replace("host all all ", "hostssl all all "));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        execute(superuser("postgres"),
                "ALTER SYSTEM SET ssl_cert_file = '" + certificates.serverCertificate().toAbsolutePath() + "'",
                "ALTER SYSTEM SET ssl_key_file = '" + certificates.serverKey().toAbsolutePath() + "'",
                "ALTER SYSTEM SET ssl = on",
                "SELECT pg_reload_conf()");
    }

    public Durability durability() {
        return durability;
    }

    public ServerLifetime lifetime() {
        return lifetime;
    }

    /** The server's version, as PostgreSQL names it ({@code PostgreSQL 14.22 on x86_64-pc-linux-gnu, ...}). */
    public String version() {
        return column(superuser("postgres"), "SELECT version()").get(0);
    }

    public int port() {
        return postgres.getPort();
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port() + "/" + database;
    }

    /** ToteSys as its owner, the application that writes it. */
    public DataSource totesysOwner() {
        return dataSource(TOTESYS_DATABASE, OWNER, OWNER_PASSWORD);
    }

    /** The warehouse database as the pipeline's user. */
    public DataSource warehouse() {
        return dataSource(WAREHOUSE_DATABASE, WAREHOUSE_USER, WAREHOUSE_PASSWORD);
    }

    public DataSource superuser(String database) {
        return postgres.getDatabase("postgres", database);
    }

    public DataSource dataSource(String database, String user, String password) {
        return dataSourceAt(jdbcUrl(database), user, password);
    }

    /** A database at a JDBC URL as a user, a connection per call. */
    static DataSource dataSourceAt(String jdbcUrl, String user, String password) {
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(jdbcUrl);
        dataSource.setUser(user);
        dataSource.setPassword(password);
        return dataSource;
    }

    /** The first column of a query's rows as text, in the query's order. */
    public static List<String> column(DataSource dataSource, String sql) {
        List<String> values = new ArrayList<>();
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement();
                ResultSet result = statement.executeQuery(sql)) {
            while (result.next()) {
                values.add(result.getString(1));
            }
            return values;
        } catch (SQLException e) {
            throw new IllegalStateException("query failed: " + e.getMessage() + "\n" + sql, e);
        }
    }

    public static void execute(DataSource dataSource, String... statements) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("running SQL on the embedded PostgreSQL server failed: " + e.getMessage(),
                    e);
        }
    }

    private static String resource(String name) {
        try (InputStream in = DatabaseServer.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("stopping the embedded PostgreSQL server failed", e);
        }
    }
}
