package dev.secateur.serve.api.openai;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * On the generation endpoints the body's {@code stream} flag decides between JSON and SSE, as at OpenAI, not the
 * Accept header: the Java SDK sends text/event-stream when it streams, the Node SDK application/json, curl
 * {@code *}/{@code *}. So Accept is set to what the resource methods declare before JAX-RS matches on it.
 */
public class StreamFlagDecides {

    static final String COMPLETIONS = "/v1/completions";
    static final String CHAT = "/v1/chat/completions";
    static final String RESPONSES = "/v1/responses";

    @ServerRequestFilter(preMatching = true)
    public void acceptAnything(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if ("POST".equals(request.getMethod()) && (COMPLETIONS.equals(path) || CHAT.equals(path) || RESPONSES.equals(path))) {
            request.getHeaders().putSingle(HttpHeaders.ACCEPT, SseStream.ANY_APPLICATION_TYPE);
        }
    }
}
