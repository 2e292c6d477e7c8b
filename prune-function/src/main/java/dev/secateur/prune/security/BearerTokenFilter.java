package dev.secateur.prune.security;

import dev.secateur.prune.config.SecurityConfig;
import dev.secateur.store.Sha256;
import jakarta.inject.Provider;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;

/**
 * With secateur.security.api-token set, every REST endpoint of the prune service (POST /, /jobs, /jobs/{id})
 * needs {@code Authorization: Bearer <token>}. Pre-matching, so an unauthenticated caller cannot even tell
 * which job ids exist (401 before 404). Health and metrics under /q are not REST endpoints and stay open for
 * probes and scrapers. Tokens are compared as SHA-256 digests with {@link MessageDigest#isEqual}: constant
 * time, and equal lengths, so neither the content nor the length of the token leaks through timing.
 */
@jakarta.ws.rs.ext.Provider
@PreMatching
public class BearerTokenFilter implements ContainerRequestFilter {

    private static final String SCHEME = "Bearer ";

    /** Read on the first request: REST filters are built during static init, before runtime config exists. */
    private final Provider<SecurityConfig> config;
    private volatile Optional<byte[]> expected;

    public BearerTokenFilter(Provider<SecurityConfig> config) {
        this.config = config;
    }

    @Override
    public void filter(ContainerRequestContext request) {
        if (expected == null) {
            expected = config.get().apiToken().filter(t -> !t.isBlank()).map(BearerTokenFilter::digest);
        }
        if (expected.isEmpty() || (!config.get().triggerRequiresToken() && isTrigger(request))) {
            return;
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        boolean ok = header != null && header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
                && MessageDigest.isEqual(expected.get(), digest(header.substring(SCHEME.length()).trim()));
        if (!ok) {
            request.abortWith(Response.status(Response.Status.UNAUTHORIZED)
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"secateur\"")
                    .type(MediaType.APPLICATION_JSON)
                    .entity(Map.of("error", header == null ? "missing bearer token" : "invalid bearer token")).build());
        }
    }

    private static boolean isTrigger(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        return "POST".equals(request.getMethod()) && (path.isEmpty() || "/".equals(path));
    }

    private static byte[] digest(String token) {
        return Sha256.newDigest().digest(token.getBytes(StandardCharsets.UTF_8));
    }
}
