package dev.secateur.serve.api.errors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.secateur.serve.chat.ChatTemplateException;
import dev.secateur.serve.chat.TemplateRaisedException;
import dev.secateur.serve.generate.InvalidRequestException;
import dev.secateur.serve.metrics.ServeMetrics;
import dev.secateur.serve.model.ModelNotReadyException;
import dev.secateur.serve.model.SaturatedException;
import dev.secateur.serve.model.UnknownModelException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every failure leaves as JSON with a proper status, in the error shape of the API that was called. */
public class ErrorMappers {

    private static final Logger LOG = Logger.getLogger(ErrorMappers.class);

    private static final String SERVED_PATHS = "/v1/completions, /v1/chat/completions, /v1/responses, /v1/embeddings, /v1/models, /v2/models/{name}/infer";

    private final ServeMetrics metrics;

    public ErrorMappers(ServeMetrics metrics) {
        this.metrics = metrics;
    }

    @ServerExceptionMapper
    public Response invalid(InvalidRequestException e, UriInfo uri) {
        return respond(uri, e.status(), e.getMessage(), e.param(), e.code());
    }

    /** The model's chat template refused the conversation (roles out of order, a role it does not know). */
    @ServerExceptionMapper
    public Response templateRaised(TemplateRaisedException e, UriInfo uri) {
        // the Responses API carries the conversation in input
        String param = uri.getPath().endsWith("/responses") ? "input" : "messages";
        return respond(uri, 400, "the model's chat template refused these messages: " + e.getMessage(), param);
    }

    @ServerExceptionMapper
    public Response brokenTemplate(ChatTemplateException e, UriInfo uri) {
        LOG.errorf("request %s: %s", uri.getPath(), e.getMessage());
        return respond(uri, 500, e.getMessage(), null);
    }

    @ServerExceptionMapper
    public Response saturated(SaturatedException e, UriInfo uri) {
        Response r = respond(uri, 429, e.getMessage(), null);
        return Response.fromResponse(r).header("Retry-After", "1").build();
    }

    @ServerExceptionMapper
    public Response unknownModel(UnknownModelException e, UriInfo uri) {
        return respond(uri, 404, e.getMessage(), "model", "model_not_found");
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
        if (e instanceof NotFoundException) {
            // an SDK method this server does not implement (e.g. the Responses API) lands here: say so, not "model not found"
            return respond(uri, 404, "no such endpoint: " + uri.getPath() + " (served: " + SERVED_PATHS + ")", null, "unknown_url");
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
        return respond(uri, status, message, param, null);
    }

    private Response respond(UriInfo uri, int status, String message, String param, String code) {
        String path = uri.getPath();
        metrics.failedRequest(path.startsWith("/v2") ? "v2" : "v1", status);
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ApiErrors.body(path, status, message, param, code)).build();
    }
}
