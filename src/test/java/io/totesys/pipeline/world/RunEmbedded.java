package io.totesys.pipeline.world;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The README's first command ({@code ./mvnw package -Pembedded}): the packaged service on
 * the embedded default. It starts PostgreSQL with a simulated ToteSys and an empty
 * warehouse, an S3 server with both buckets, seeds ToteSys, starts the service against
 * them, and keeps changing ToteSys while the lake and the warehouse fill. Ctrl+C stops
 * everything.
 * <p>
 * Options ({@code -Dembedded.arguments="--scale 0.1 --rate 5"}): {@code --scale} of the
 * seeded dataset (1 = the real ToteSys), {@code --rate} changes per second, {@code --seed},
 * {@code --poll-interval}, {@code --postgres-port}, {@code --s3-port}, the service's
 * {@code --http-port} and {@code --jolokia-port}, {@code --directory} of the servers' data
 * (emptied first).
 */
public final class RunEmbedded {

    private RunEmbedded() {
    }

    public static void main(String[] arguments) throws Exception {
        Map<String, String> options = options(arguments);
        double scale = Double.parseDouble(options.get("scale"));
        double rate = Double.parseDouble(options.get("rate"));
        long seed = Long.parseLong(options.get("seed"));

        Path directory = Path.of(options.get("directory"));
        Directories.deleteRecursively(directory);
        AtomicReference<EmbeddedWorld> started = new AtomicReference<>();
        AtomicReference<PipelineService> service = new AtomicReference<>();
        ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2);
        // The service first, so that the batches under way finish against the databases and the S3 server.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            scheduler.shutdownNow();
            try {
                Optional.ofNullable(service.get()).ifPresent(PipelineService::close);
            } finally {
                Optional.ofNullable(started.get()).ifPresent(EmbeddedWorld::close);
            }
        }, "embedded-world-stop"));
        say("Starting PostgreSQL and the S3 server under " + directory + " ...");
        EmbeddedWorld world = EmbeddedWorld.startStoppedByItsOwner(directory.toAbsolutePath(),
                Integer.parseInt(options.get("postgres-port")), Integer.parseInt(options.get("s3-port")));
        started.set(world);
        say("Seeding ToteSys at scale " + scale + " (seed " + seed + ") ...");
        ToteSysSimulator simulator = new ToteSysSimulator(world.totesysOwner(), seed);
        simulator.seed(scale);

        Map<String, String> environment = new LinkedHashMap<>(world.environment());
        environment.put("ETL_POLL_INTERVAL", options.get("poll-interval"));
        environment.put("ETL_HTTP_PORT", options.get("http-port"));
        environment.put("ETL_JOLOKIA_PORT", options.get("jolokia-port"));
        environment.put("ETL_ROUTES_DIRECTORY", Path.of("routes").toAbsolutePath().toString());
        environment.put("ETL_ROUTES_RELOAD", "true");
        // The Hawtio console of -Phawtio, whose proxy passes the page's origin on.
        environment.put("ETL_JOLOKIA_ALLOWED_ORIGINS", "http://localhost:8090");
        service.set(PipelineService.start(environment, null));

        printWhereToLook(world, environment);
        printIcebergCatalog(world);
        simulate(simulator, rate, scheduler);
        reportLake(world.s3(), scheduler);
        reportWarehouse(world.databases().warehouse(), scheduler);
        while (service.get().isAlive()) {
            Thread.sleep(1_000);
        }
        say("The service stopped; stopping the embedded world.");
        System.exit(service.get().awaitExit(Duration.ofSeconds(1)));
    }

    private static void printWhereToLook(EmbeddedWorld world, Map<String, String> environment) {
        String endpoint = world.objectStore().endpoint();
        say("""

                ToteSys pipeline on the embedded default
                  ToteSys    psql postgresql://%s:%s@127.0.0.1:%d/%s
                  warehouse  psql postgresql://%s:%s@127.0.0.1:%d/%s
                  S3         %s  (access key %s, secret key %s, region %s)
                  lake       extract batches land in s3://%s/input/ as CSV, one manifest per batch
                Look at the lake with the AWS CLI:
                  AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s aws --endpoint-url %s s3 ls --recursive s3://%s/
                Query the warehouse:
                  psql postgresql://%s:%s@127.0.0.1:%d/%s
                  -- the current state of a sales order, then its whole history:
                  SELECT * FROM fact_sales_order_current WHERE sales_order_id = 1;
                  SELECT * FROM fact_sales_order WHERE sales_order_id = 1 ORDER BY sales_record_id;
                  -- more in sql/: sales by month and currency, top designs, payments outstanding
                Status page: http://127.0.0.1:%s/status  (stages, batches, lag, quarantine, readiness)
                Metrics: http://127.0.0.1:%s/q/metrics  Health: http://127.0.0.1:%s/q/health
                The operator's commands (list-quarantine, replay, reextract, reconcile), with the service's settings:
                  env %s \\
                    java -jar target/quarkus-app/quarkus-run.jar list-quarantine
                Routes reload live: edit routes/*.camel.yaml and the running service picks the change up.
                The service polls ToteSys every %s; the simulator changes it meanwhile. Ctrl+C stops everything.
                """.formatted(
                DatabaseServer.OWNER, DatabaseServer.OWNER_PASSWORD, world.databases().port(),
                DatabaseServer.TOTESYS_DATABASE,
                DatabaseServer.WAREHOUSE_USER, DatabaseServer.WAREHOUSE_PASSWORD, world.databases().port(),
                DatabaseServer.WAREHOUSE_DATABASE,
                endpoint, ObjectStoreServer.ACCESS_KEY, ObjectStoreServer.SECRET_KEY, ObjectStoreServer.REGION,
                EmbeddedWorld.INGEST_BUCKET,
                ObjectStoreServer.ACCESS_KEY, ObjectStoreServer.SECRET_KEY, endpoint, EmbeddedWorld.INGEST_BUCKET,
                DatabaseServer.WAREHOUSE_USER, DatabaseServer.WAREHOUSE_PASSWORD, world.databases().port(),
                DatabaseServer.WAREHOUSE_DATABASE,
                environment.get("ETL_HTTP_PORT"), environment.get("ETL_HTTP_PORT"), environment.get("ETL_HTTP_PORT"),
                world.environment().entrySet().stream().map(setting -> setting.getKey() + "=" + setting.getValue())
                        .collect(Collectors.joining(" ")),
                environment.get("ETL_POLL_INTERVAL")));
    }

    /** How Spark and Trino read the lake's Iceberg tables, with this world's addresses and keys (README). */
    private static void printIcebergCatalog(EmbeddedWorld world) {
        String url = world.databases().jdbcUrl(DatabaseServer.WAREHOUSE_DATABASE) + "?currentSchema=iceberg_catalog";
        String location = "s3://" + EmbeddedWorld.PROCESSED_BUCKET + "/tables";
        String endpoint = world.objectStore().endpoint();
        say("""

                The lake's star schema as Iceberg tables: catalog totesys (JDBC, in the warehouse), namespace star_schema
                Spark 3.5:
                  spark-sql --packages org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.10.1,\
                org.apache.iceberg:iceberg-aws-bundle:1.10.1,org.postgresql:postgresql:42.7.8 \\
                    --conf spark.sql.catalog.totesys=org.apache.iceberg.spark.SparkCatalog \\
                    --conf spark.sql.catalog.totesys.type=jdbc \\
                    --conf spark.sql.catalog.totesys.uri='%1$s' \\
                    --conf spark.sql.catalog.totesys.jdbc.user=%2$s \\
                    --conf spark.sql.catalog.totesys.jdbc.password=%3$s \\
                    --conf spark.sql.catalog.totesys.jdbc.schema-version=V1 \\
                    --conf spark.sql.catalog.totesys.jdbc.init-catalog-tables=false \\
                    --conf spark.sql.catalog.totesys.warehouse=%4$s \\
                    --conf spark.sql.catalog.totesys.io-impl=org.apache.iceberg.aws.s3.S3FileIO \\
                    --conf spark.sql.catalog.totesys.s3.endpoint=%5$s \\
                    --conf spark.sql.catalog.totesys.s3.path-style-access=true \\
                    --conf spark.sql.catalog.totesys.s3.access-key-id=%6$s \\
                    --conf spark.sql.catalog.totesys.s3.secret-access-key=%7$s \\
                    --conf spark.sql.catalog.totesys.client.region=%8$s
                  SELECT * FROM totesys.star_schema.dim_staff;
                Trino, etc/catalog/totesys.properties:
                  connector.name=iceberg
                  iceberg.catalog.type=jdbc
                  iceberg.jdbc-catalog.catalog-name=totesys
                  iceberg.jdbc-catalog.driver-class=org.postgresql.Driver
                  iceberg.jdbc-catalog.connection-url=%1$s
                  iceberg.jdbc-catalog.connection-user=%2$s
                  iceberg.jdbc-catalog.connection-password=%3$s
                  iceberg.jdbc-catalog.default-warehouse-dir=%4$s
                  fs.native-s3.enabled=true
                  s3.endpoint=%5$s
                  s3.path-style-access=true
                  s3.aws-access-key=%6$s
                  s3.aws-secret-key=%7$s
                  s3.region=%8$s
                  SELECT * FROM totesys.star_schema.fact_sales_order;
                """.formatted(url, DatabaseServer.WAREHOUSE_USER, DatabaseServer.WAREHOUSE_PASSWORD, location, endpoint,
                ObjectStoreServer.ACCESS_KEY, ObjectStoreServer.SECRET_KEY, ObjectStoreServer.REGION));
    }

    private static void simulate(ToteSysSimulator simulator, double rate, ScheduledExecutorService scheduler) {
        if (rate <= 0) {
            return;
        }
        AtomicLong changes = new AtomicLong();
        long periodMicros = (long) (1_000_000 / rate);
        scheduler.scheduleAtFixedRate(() -> {
            try {
                simulator.change();
                changes.incrementAndGet();
            } catch (RuntimeException e) {
                say("simulator: " + e.getMessage());
            }
        }, 2_000_000, periodMicros, TimeUnit.MICROSECONDS);
        scheduler.scheduleAtFixedRate(() -> say("simulator: " + changes.getAndSet(0)
                + " changes to ToteSys in the last 30 s (new orders, payments turning paid, edits)"),
                30, 30, TimeUnit.SECONDS);
    }

    private static void reportLake(S3Client s3, ScheduledExecutorService scheduler) {
        scheduler.scheduleAtFixedRate(() -> {
            try {
                long csv = 0;
                long manifests = 0;
                long bytes = 0;
                for (S3Object object : s3.listObjectsV2Paginator(request -> request
                        .bucket(EmbeddedWorld.INGEST_BUCKET)).contents()) {
                    csv += object.key().endsWith(".csv") ? 1 : 0;
                    manifests += object.key().endsWith(".json") ? 1 : 0;
                    bytes += object.size();
                }
                say("lake: s3://" + EmbeddedWorld.INGEST_BUCKET + " holds " + csv + " CSV objects from " + manifests
                        + " batches, " + bytes / 1024 + " KiB");
            } catch (RuntimeException e) {
                say("lake: cannot list the ingest bucket: " + e.getMessage());
            }
        }, 15, 30, TimeUnit.SECONDS);
    }

    private static void reportWarehouse(DataSource warehouse, ScheduledExecutorService scheduler) {
        scheduler.scheduleAtFixedRate(() -> {
            try (Connection connection = warehouse.getConnection();
                    Statement statement = connection.createStatement();
                    ResultSet counts = statement.executeQuery("""
                            SELECT (SELECT count(*) FROM fact_sales_order), (SELECT count(*) FROM fact_payment),
                                   (SELECT count(*) FROM fact_purchase_order), (SELECT count(*) FROM dim_date),
                                   (SELECT count(*) FROM pipeline.load_batch)""")) {
                counts.next();
                say("warehouse: fact_sales_order " + counts.getLong(1) + ", fact_payment " + counts.getLong(2)
                        + ", fact_purchase_order " + counts.getLong(3) + ", dim_date " + counts.getLong(4)
                        + " rows from "
                        + counts.getLong(5) + " batches");
            } catch (SQLException e) {
                say("warehouse: not loaded yet (" + e.getMessage().lines().findFirst().orElse("") + ")");
            }
        }, 20, 10, TimeUnit.SECONDS);
    }

    private static Map<String, String> options(String[] arguments) {
        return CommandLineOptions.parse(arguments, new LinkedHashMap<>(Map.of("scale", "1", "rate", "2", "seed", "42",
                "poll-interval", "10s", "postgres-port", "55432", "s3-port", "58080", "http-port", "8080",
                "jolokia-port", "8778", "directory",
                Path.of("target", "embedded-world").toString())));
    }

    private static void say(String line) {
        System.out.println("[embedded] " + line);
    }
}
