package dev.secateur.serve.api.admin;

import dev.secateur.serve.config.ServeConfig;
import dev.secateur.serve.model.ModelHandle;
import dev.secateur.serve.model.ModelService;
import io.smallrye.common.annotation.Blocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.concurrent.ExecutionException;

/** Operator actions, behind {@code Authorization: Bearer <secateur.serve.admin-token>}. */
@Path("/admin/models/{name}")
@Produces(MediaType.APPLICATION_JSON)
public class AdminResource {

    @Inject
    ModelService models;
    @Inject
    ServeConfig config;

    @POST
    @Path("/rollback")
    @Blocking
    public Response rollback(@PathParam("name") String name, @HeaderParam("Authorization") String authorization)
            throws InterruptedException {
        if (!authorized(authorization)) {
            return Response.status(401).header("WWW-Authenticate", "Bearer")
                    .entity(Map.of("error", "missing or invalid bearer token")).build();
        }
        models.registry(name);
        try {
            ModelHandle now = models.rollback().get();
            return Response.ok(Map.of("model", now.name(), "version", now.version(), "served_as", now.id())).build();
        } catch (ExecutionException e) {
            return Response.status(409).entity(Map.of("error", String.valueOf(e.getCause().getMessage()))).build();
        }
    }

    private boolean authorized(String header) {
        String token = config.adminToken().orElse("");
        if (token.isEmpty() || header == null || !header.startsWith("Bearer ")) {
            return false;
        }
        byte[] given = header.substring("Bearer ".length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token.getBytes(StandardCharsets.UTF_8));
    }
}
