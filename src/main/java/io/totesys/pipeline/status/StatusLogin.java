package io.totesys.pipeline.status;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.UsernamePasswordAuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.HttpSecurityPolicy;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * The optional login in front of the status page and Jolokia on the HTTP port: with
 * {@code ETL_STATUS_USERNAME} and {@code ETL_STATUS_PASSWORD} set (from the Secret), a view
 * needs them, by HTTP basic authentication (behind an ingress that terminates TLS); unset, the
 * page is open, as the embedded run has it. Health and metrics stay open for the probes and
 * Prometheus. The password is compared in constant time and never logged.
 */
@ApplicationScoped
public class StatusLogin implements IdentityProvider<UsernamePasswordAuthenticationRequest>, HttpSecurityPolicy {

    /** The name {@code quarkus.http.auth.permission.status.policy} gives this policy. */
    public static final String POLICY = "status-login";

    private final Optional<String> username;
    private final Optional<String> password;

    StatusLogin(StatusSettings settings) {
        this.username = settings.login().username();
        this.password = settings.login().password();
    }

    @Override
    public String name() {
        return POLICY;
    }

    @Override
    public Uni<CheckResult> checkPermission(RoutingContext request, Uni<SecurityIdentity> identity,
            AuthorizationRequestContext context) {
        if (username.isEmpty()) {
            return CheckResult.permit();
        }
        return identity.map(who -> who.isAnonymous() ? CheckResult.DENY : CheckResult.PERMIT);
    }

    @Override
    public Class<UsernamePasswordAuthenticationRequest> getRequestType() {
        return UsernamePasswordAuthenticationRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(UsernamePasswordAuthenticationRequest request,
            AuthenticationRequestContext context) {
        if (username.isEmpty() || password.isEmpty()
                || !equal(username.get(), request.getUsername())
                        | !equal(password.get(), new String(request.getPassword().getPassword()))) {
            return Uni.createFrom().failure(new AuthenticationFailedException("wrong username or password"));
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(request.getUsername())).build());
    }

    private static boolean equal(String expected, String given) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), given.getBytes(StandardCharsets.UTF_8));
    }
}
