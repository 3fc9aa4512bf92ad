package io.totesys.pipeline.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.junit.jupiter.api.Tag;

/**
 * A test that needs real servers: PostgreSQL, s3proxy, the service itself. The fast suite,
 * {@code ./mvnw test -DexcludedGroups=server}, leaves these out; every {@code @QuarkusTest}
 * carries it ({@code ServerBackedTestsAreTaggedTest} checks).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Tag(ServerBacked.TAG)
public @interface ServerBacked {

    /** The JUnit tag the fast suite excludes. */
    String TAG = "server";
}
