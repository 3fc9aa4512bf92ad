package io.totesys.pipeline.operations;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.UndeclaredThrowableException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.UnknownHostException;
import java.sql.SQLException;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

import javax.net.ssl.SSLException;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Named;

import org.apache.camel.CamelExchangeException;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.RuntimeCamelException;
import org.apache.iceberg.jdbc.UncheckedSQLException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.flywaydb.core.api.FlywayException;

import io.totesys.pipeline.lake.LakeBucketException;
import io.totesys.pipeline.lake.LakeObjectException;
import io.totesys.pipeline.lake.LakeSettings;
import io.totesys.pipeline.source.SourceReadException;
import io.totesys.pipeline.stage.PipelineStateException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Turns a failure into one line a person can act on: which dependency failed, why, and
 * which setting to check. It never repeats a password, a secret key or a full JDBC URL
 * (which may carry credentials); hosts, ports, database, bucket and user names are fine.
 */
@ApplicationScoped
@Named("failureDiagnosis")
public class FailureDiagnosis {

    private static final Pattern JDBC_URL_QUERY = Pattern.compile("(jdbc:[^\\s?]+)\\?[^\\s)]*");

    private final String totesysJdbcUrl;
    private final String warehouseJdbcUrl;
    private final Optional<String> s3Endpoint;

    /** The JDBC URLs are Quarkus's datasource settings, which TOTESYS_JDBC_URL and WAREHOUSE_JDBC_URL set. */
    FailureDiagnosis(
            @ConfigProperty(name = "quarkus.datasource.totesys.jdbc.url") String totesysJdbcUrl,
            @ConfigProperty(name = "quarkus.datasource.jdbc.url") String warehouseJdbcUrl, LakeSettings lake) {
        this.totesysJdbcUrl = totesysJdbcUrl;
        this.warehouseJdbcUrl = warehouseJdbcUrl;
        this.s3Endpoint = lake.s3().endpoint();
    }

    /** One line that explains the failure. */
    public String explain(Throwable failure) {
        if (find(failure, SourceReadException.class).isPresent()) {
            return explainDatabase("ToteSys", "TOTESYS", totesysJdbcUrl, failure);
        }
        Optional<UncheckedSQLException> catalog = find(failure, UncheckedSQLException.class);
        if (catalog.isPresent()) {
            return explainDatabase("the Iceberg catalog in the warehouse", "WAREHOUSE", warehouseJdbcUrl,
                    catalog.get());
        }
        if (find(failure, PipelineStateException.class).isPresent()
                || find(failure, FlywayException.class).isPresent()) {
            return explainDatabase("the warehouse", "WAREHOUSE", warehouseJdbcUrl, failure);
        }
        Optional<LakeBucketException> bucket = find(failure, LakeBucketException.class);
        if (bucket.isPresent()) {
            return bucket.get().getMessage();
        }
        Optional<SdkException> lake = find(failure, SdkException.class);
        if (lake.isPresent()) {
            String explanation = explainLake(lake.get());
            return find(failure, LakeObjectException.class)
                    .map(object -> explanation + " (" + object.getMessage() + ")")
                    .orElse(explanation);
        }
        return whatFailed(failure);
    }

    /**
     * The first line of the failure that says what went wrong, past the wrappers that only say
     * where: Camel's "Exception occurred during execution on the exchange", a split's "Multicast
     * processing failed for number 3", an executor's or a reflective call's. A type of the JDK or a library is named, since its message alone may
     * not say what it is ("Index 3 out of bounds", "null"); the pipeline's own messages say it.
     */
    static String whatFailed(Throwable failure) {
        Throwable cause = failure;
        while (isWrapper(cause) && cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        String line = firstLine(cause);
        boolean ours = cause.getClass().getName().startsWith("io.totesys.");
        return ours || line.equals(cause.getClass().getSimpleName()) ? line
                : cause.getClass().getSimpleName() + ": " + line;
    }

    private static boolean isWrapper(Throwable failure) {
        return failure instanceof CamelExecutionException || failure instanceof ExecutionException
                || failure instanceof CamelExchangeException && failure.getCause() != null
                        && String.valueOf(failure.getMessage()).startsWith("Multicast processing failed")
                || failure instanceof CompletionException || failure instanceof InvocationTargetException
                || failure instanceof UndeclaredThrowableException
                || (failure instanceof RuntimeCamelException && failure.getCause() != null)
                || (failure.getCause() != null
                        && String.valueOf(failure.getMessage()).equals(failure.getCause().toString()));
    }

    private static String explainDatabase(String name, String prefix, String jdbcUrl, Throwable failure) {
        String where = describeJdbcUrl(jdbcUrl);
        if (find(failure, UnknownHostException.class).isPresent()) {
            return name + " host in " + prefix + "_JDBC_URL (" + where + ") is unknown: check the host name";
        }
        if (find(failure, SSLException.class).isPresent()) {
            return name + " at " + where + " presented a certificate that is not trusted or does not match its "
                    + "host (" + firstLine(find(failure, SSLException.class).get()) + "): check sslrootcert in "
                    + prefix + "_JDBC_URL";
        }
        if (find(failure, ConnectException.class).isPresent()
                || find(failure, SocketTimeoutException.class).isPresent()) {
            return "cannot connect to " + name + " at " + where + ": check " + prefix
                    + "_JDBC_URL and that the server is up";
        }
        Optional<SQLException> sql = find(failure, SQLException.class);
        String state = sql.map(SQLException::getSQLState).orElse("");
        String serverSays = sql.map(FailureDiagnosis::firstLine).orElse(firstLine(failure));
        if (serverSays.startsWith("Driver does not support the provided URL")) {
            return prefix + "_JDBC_URL is not a PostgreSQL JDBC URL: write jdbc:postgresql://host:5432/database";
        }
        return switch (state) {
            case "28P01", "28000" -> name + " at " + where + " rejected the login (" + serverSays + "): check "
                    + prefix + "_USERNAME and " + prefix + "_PASSWORD";
            case "3D000" -> name + " database does not exist at " + where + " (" + serverSays + "): check "
                    + prefix + "_JDBC_URL";
            case "42501" -> name + " user lacks a privilege (" + serverSays + "): grant it to " + prefix + "_USERNAME";
            case "42P01" -> name + " at " + where + " lacks a table (" + serverSays + "): check that " + prefix
                    + "_JDBC_URL names the right database";
            default -> name + " at " + where + " failed: " + firstLine(failure)
                    + (sql.isPresent() && !firstLine(failure).equals(serverSays) ? " (" + serverSays + ")" : "");
        };
    }

    private String explainLake(SdkException failure) {
        String endpoint = s3Endpoint.filter(value -> !value.isBlank()).orElse("AWS S3");
        if (failure instanceof S3Exception s3) {
            String code = s3.awsErrorDetails() == null || s3.awsErrorDetails().errorCode() == null
                    ? "HTTP " + s3.statusCode()
                    : s3.awsErrorDetails().errorCode();
            return switch (code) {
                case "InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "InvalidSecurity", "HTTP 403" ->
                    "the lake at " + endpoint + " refused the request (" + code + "): check AWS_ACCESS_KEY_ID, "
                            + "AWS_SECRET_ACCESS_KEY and the bucket policy";
                case "NoSuchBucket" -> "a lake bucket does not exist at " + endpoint
                        + ": check LAKE_INGEST_BUCKET and LAKE_PROCESSED_BUCKET";
                case "AuthorizationHeaderMalformed", "PermanentRedirect" ->
                    "the lake at " + endpoint + " answered " + code + ": check AWS_REGION";
                default -> "the lake at " + endpoint + " failed (" + code + "): " + firstLine(s3);
            };
        }
        if (failure instanceof SdkClientException) {
            String message = String.valueOf(failure.getMessage());
            if (message.contains("region")) {
                return "no AWS region is configured: set AWS_REGION";
            }
            if (message.contains("credentials")) {
                return "no AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY";
            }
            if (find(failure, UnknownHostException.class).isPresent()
                    || find(failure, ConnectException.class).isPresent()) {
                return "cannot reach the lake at " + endpoint + ": check S3_ENDPOINT and that the server is up";
            }
        }
        return "the lake at " + endpoint + " failed: " + firstLine(failure);
    }

    /** host:port/database of a JDBC URL, without its query string (which may hold a password). */
    static String describeJdbcUrl(String jdbcUrl) {
        try {
            URI uri = URI.create(jdbcUrl.substring("jdbc:".length()));
            String database = uri.getPath() == null ? "" : uri.getPath();
            return uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + database;
        } catch (RuntimeException e) {
            return "the configured address";
        }
    }

    /** The first line of the failure's message, any JDBC URL in it without its query string. */
    private static String firstLine(Throwable failure) {
        String message = failure.getMessage() == null ? failure.getClass().getSimpleName() : failure.getMessage();
        int newline = message.indexOf('\n');
        return withoutQueryStrings((newline < 0 ? message : message.substring(0, newline)).strip());
    }

    /** The text with the query string of every JDBC URL in it (which may hold a password) left out. */
    static String withoutQueryStrings(String text) {
        return JDBC_URL_QUERY.matcher(text).replaceAll("$1?(left out)");
    }

    /**
     * The outermost failure of a type in the cause chain: the one that says most about what
     * the pipeline was doing. (Camel's {@code ObjectHelper.getException} returns the innermost.)
     */
    private static <T extends Throwable> Optional<T> find(Throwable failure, Class<T> type) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (type.isInstance(cause)) {
                return Optional.of(type.cast(cause));
            }
        }
        return Optional.empty();
    }
}
