package dev.secateur.serve.api.errors;

import io.quarkus.runtime.configuration.MemorySize;
import io.vertx.core.json.Json;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Answers an over-long body (by Content-Length, against quarkus.http.limits.max-body-size) with a 413 in
 * the API's JSON error shape before anything reads it; bodies without a length still meet Vert.x's own limit.
 */
@ApplicationScoped
public class BodyLimitFilter {

    private final long limit;

    public BodyLimitFilter(@ConfigProperty(name = "quarkus.http.limits.max-body-size", defaultValue = "10240K")
                           MemorySize limit) {
        this.limit = limit.asLongValue();
    }

    void install(@Observes Router router) {
        router.route().order(Integer.MIN_VALUE).handler(ctx -> {
            String length = ctx.request().getHeader("Content-Length");
            long n;
            try {
                n = length == null ? -1 : Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n > limit) {
                String message = "request body of " + n + " bytes exceeds the limit of " + limit + " bytes";
                ctx.response().setStatusCode(413).putHeader("Content-Type", "application/json")
                        .putHeader("Connection", "close")
                        .end(Json.encode(ApiErrors.body(ctx.request().path(), 413, message, null)));
                return;
            }
            ctx.next();
        });
    }
}
