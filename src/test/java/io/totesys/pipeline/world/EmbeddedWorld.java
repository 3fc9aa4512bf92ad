package io.totesys.pipeline.world;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import javax.sql.DataSource;

import software.amazon.awssdk.services.s3.S3Client;

/**
 * Everything the pipeline talks to, on this machine: a PostgreSQL server with ToteSys and
 * the warehouse, and an S3 server with both lake buckets. {@link #environment()} is the
 * configuration contract (docs/configuration.md#the-configuration-contract) that points the service at them.
 */
public final class EmbeddedWorld implements AutoCloseable {

    public static final String INGEST_BUCKET = "totesys-ingest";
    public static final String PROCESSED_BUCKET = "totesys-processed";

    private final Path directory;
    private DatabaseServer databases;
    private final ObjectStoreServer objectStore;

    private EmbeddedWorld(Path directory, DatabaseServer databases, ObjectStoreServer objectStore) {
        this.directory = directory;
        this.databases = databases;
        this.objectStore = objectStore;
    }

    /**
     * Starts both servers, keeping their data under the directory; ports 0 take free ones.
     */
    public static EmbeddedWorld start(Path directory, int databasePort, int objectStorePort) {
        return start(directory, databasePort, objectStorePort, ObjectStoreServer.Storage.FILES);
    }

    /** Starts both servers, the S3 server with the given storage. */
    public static EmbeddedWorld start(Path directory, int databasePort, int objectStorePort,
            ObjectStoreServer.Storage storage) {
        return start(directory, databasePort, objectStorePort, storage, DatabaseServer.Durability.FAST);
    }

    /** Starts both servers, PostgreSQL as durable as asked, the S3 server with the given storage. */
    public static EmbeddedWorld start(Path directory, int databasePort, int objectStorePort,
            ObjectStoreServer.Storage storage, DatabaseServer.Durability durability) {
        return start(directory, databasePort, objectStorePort, storage, durability, ServerLifetime.WITH_THE_JVM);
    }

    /**
     * Starts both servers for a caller that stops the world itself, after what uses it
     * ({@link ServerLifetime#UNTIL_ITS_OWNER_STOPS_IT}): neither the JVM's exit nor a Ctrl+C stops them.
     */
    public static EmbeddedWorld startStoppedByItsOwner(Path directory, int databasePort, int objectStorePort) {
        return start(directory, databasePort, objectStorePort, ObjectStoreServer.Storage.FILES,
                DatabaseServer.Durability.FAST, ServerLifetime.UNTIL_ITS_OWNER_STOPS_IT);
    }

    private static EmbeddedWorld start(Path directory, int databasePort, int objectStorePort,
            ObjectStoreServer.Storage storage, DatabaseServer.Durability durability, ServerLifetime lifetime) {
        DatabaseServer databases = DatabaseServer.start(databasePort, directory.resolve("postgres"), durability,
                lifetime);
        try {
            ObjectStoreServer objectStore = ObjectStoreServer.start(objectStorePort, directory.resolve("s3"), storage,
                    lifetime,
                    INGEST_BUCKET, PROCESSED_BUCKET);
            return new EmbeddedWorld(directory, databases, objectStore);
        } catch (RuntimeException e) {
            databases.close();
            throw e;
        }
    }

    public DatabaseServer databases() {
        return databases;
    }

    /** Stops the PostgreSQL server, as an outage would; {@link #startDatabases()} brings it back. */
    public void stopDatabases() {
        databases.close();
    }

    /** Starts the PostgreSQL server again, on the same port and with the same data. */
    public void startDatabases() {
        databases = DatabaseServer.start(databases.port(), directory.resolve("postgres"), databases.durability(),
                databases.lifetime());
    }

    /** PostgreSQL accepts only TLS connections from now on, with the given server certificate. */
    public void requireTls(TestCertificates certificates) {
        databases.requireTls(certificates, directory.resolve("postgres"));
    }

    public ObjectStoreServer objectStore() {
        return objectStore;
    }

    public DataSource totesysOwner() {
        return databases.totesysOwner();
    }

    public S3Client s3() {
        return objectStore.client();
    }

    /**
     * The service's configuration for one cycle and exit ({@code ETL_RUN_ONCE}) against this
     * world, on free ports; a map the caller may change.
     */
    public Map<String, String> runOnceEnvironment() {
        Map<String, String> environment = new LinkedHashMap<>(environment());
        environment.put("ETL_RUN_ONCE", "true");
        environment.put("ETL_HTTP_PORT", "0");
        environment.put("ETL_JOLOKIA_PORT", "0");
        return environment;
    }

    /**
     * The service's configuration for a test that watches it run against this world: the HTTP
     * port given (0 for any free one), no Jolokia port, ToteSys and the stages polled every
     * second; a map the caller may change.
     */
    public Map<String, String> serviceEnvironment(int httpPort) {
        Map<String, String> environment = new LinkedHashMap<>(environment());
        environment.put("ETL_HTTP_PORT", String.valueOf(httpPort));
        environment.put("ETL_JOLOKIA_PORT", "0");
        environment.put("ETL_POLL_INTERVAL", "1s");
        environment.put("ETL_STAGE_POLL_INTERVAL", "1s");
        return environment;
    }

    /** The service's configuration, as environment variables, pointing at this world. */
    public Map<String, String> environment() {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("TOTESYS_JDBC_URL", databases.jdbcUrl(DatabaseServer.TOTESYS_DATABASE));
        environment.put("TOTESYS_USERNAME", DatabaseServer.READER);
        environment.put("TOTESYS_PASSWORD", DatabaseServer.READER_PASSWORD);
        environment.put("WAREHOUSE_JDBC_URL", databases.jdbcUrl(DatabaseServer.WAREHOUSE_DATABASE));
        environment.put("WAREHOUSE_USERNAME", DatabaseServer.WAREHOUSE_USER);
        environment.put("WAREHOUSE_PASSWORD", DatabaseServer.WAREHOUSE_PASSWORD);
        environment.put("S3_ENDPOINT", objectStore.endpoint());
        environment.put("AWS_REGION", ObjectStoreServer.REGION);
        environment.put("AWS_ACCESS_KEY_ID", ObjectStoreServer.ACCESS_KEY);
        environment.put("AWS_SECRET_ACCESS_KEY", ObjectStoreServer.SECRET_KEY);
        environment.put("AWS_REQUEST_CHECKSUM_CALCULATION", "WHEN_REQUIRED");
        environment.put("LAKE_INGEST_BUCKET", INGEST_BUCKET);
        environment.put("LAKE_PROCESSED_BUCKET", PROCESSED_BUCKET);
        // the leader's lock beside this world's servers: a service of another world on the same
        // machine (another build, another checkout) must not hold this one's stages back
        environment.put("ETL_CLUSTER_FILE_ROOT", directory.resolve("leader").toAbsolutePath().toString());
        return environment;
    }

    @Override
    public void close() {
        try {
            objectStore.close();
        } finally {
            databases.close();
        }
    }
}
