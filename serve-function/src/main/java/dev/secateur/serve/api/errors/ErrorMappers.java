package dev.secateur.serve.api.errors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.secateur.serve.generate.InvalidRequestException;
import dev.secateur.serve.metrics.ServeMetrics;
import dev.secateur.serve.model.ModelNotReadyException;
import dev.secateur.serve.model.UnknownModelException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every failure leaves as JSON with a proper status, in the error shape of the API that was called. */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    private final ServeMetrics metrics;

    public ErrorMappers(ServeMetrics metrics) {
        this.metrics = metrics;
    }

    @ServerExceptionMapper
    public Response invalid(InvalidRequestException e, UriInfo uri) {
        return respond(uri, e.status(), e.getMessage(), e.param());
    }

    @ServerExceptionMapper
    public Response unknownModel(UnknownModelException e, UriInfo uri) {
        return respond(uri, 404, e.getMessage(), "model");
    }

    @ServerExceptionMapper
    public Response notReady(ModelNotReadyException e, UriInfo uri) {
        return respond(uri, 503, e.getMessage(), null);
    }

    @ServerExceptionMapper(priority = 1)
    public Response malformedJson(JsonProcessingException e, UriInfo uri) {
        return respond(uri, 400, "malformed JSON body: " + e.getOriginalMessage(), null);
    }

    /** Well-formed JSON of the wrong shape (a string where a number belongs); beats the built-in text mapper. */
    @ServerExceptionMapper(priority = 1)
    public Response mismatched(MismatchedInputException e, UriInfo uri) {
        return respond(uri, 400, "invalid request body: " + e.getOriginalMessage(), fieldOf(e));
    }

    private static String fieldOf(MismatchedInputException e) {
        return e.getPath().isEmpty() ? null : e.getPath().get(e.getPath().size() - 1).getFieldName();
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        Throwable cause = e.getCause();
        if (cause instanceof JsonProcessingException j) {
            return malformedJson(j, uri);
        }
        String message = e.getMessage() == null ? Response.Status.fromStatusCode(status).getReasonPhrase() : e.getMessage();
        return respond(uri, status, message, null);
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e, UriInfo uri) {
        LOG.errorf(e, "request %s failed", uri.getPath());
        return respond(uri, 500, e.getClass().getSimpleName() + ": " + e.getMessage(), null);
    }

    private Response respond(UriInfo uri, int status, String message, String param) {
        String path = uri.getPath();
        metrics.failedRequest(path.startsWith("/v2") ? "v2" : "v1", status);
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ApiErrors.body(path, status, message, param)).build();
    }
}
