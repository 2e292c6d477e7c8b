package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.serve.api.errors.ApiErrors;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The two ways an OpenAI endpoint answers: one JSON body, or server-sent events (data: {chunk} ... data: [DONE])
 * when the request says stream: true, whatever its Accept header says (the SDKs send application/json either way).
 * The resource methods run on a worker thread, and so does the writing of the events; the response starts only when
 * the method returns, so validation errors stay 4xx JSON. Events go to the response's output stream, one flush per
 * event: a per-item Multi made REST look up a message body writer and hop through Mutiny for every token, which
 * cost as much CPU as the decode step itself on a small model.
 */
final class SseStream {

    private static final Logger LOG = Logger.getLogger(SseStream.class);
    static final String ANY_APPLICATION_TYPE = "application/*";
    private static final byte[] DONE = bytes("data: [DONE]\n\n");

    /** Sends chunks of one stream; throws CancellationException once the client has gone. */
    interface Sink {
        /** @param chunk an object for the mapper, or {@link Rendered} JSON sent as it is */
        void send(Object chunk);
    }

    /** A chunk already written as JSON. */
    record Rendered(String json) {
    }

    /** A chunk that names its event: the Responses API sends "event: TYPE" before each data line. */
    interface Named {
        String type();
    }

    private SseStream() {
    }

    static Response json(ObjectMapper mapper, Supplier<Object> body) {
        return Response.ok(bytes(write(mapper, body.get()))).type(MediaType.APPLICATION_JSON_TYPE).build();
    }

    /** @param body writes the chunks; {@code data: [DONE]} follows when it returns, an in-band error when it throws */
    static Response events(ObjectMapper mapper, Consumer<Sink> body, Runnable always) {
        return stream(mapper, body, always, true);
    }

    /** Events named by their chunks ({@link Named}) and no {@code [DONE]}: the Responses API's stream ends with its last event. */
    static Response namedEvents(ObjectMapper mapper, Consumer<Sink> body, Runnable always) {
        return stream(mapper, body, always, false);
    }

    private static Response stream(ObjectMapper mapper, Consumer<Sink> body, Runnable always, boolean done) {
        StreamingOutput out = os -> run(mapper, body, always, os, done);
        return Response.ok(out).type(MediaType.SERVER_SENT_EVENTS_TYPE).header("Cache-Control", "no-cache").build();
    }

    private static void run(ObjectMapper mapper, Consumer<Sink> body, Runnable always, OutputStream os, boolean done) {
        try {
            body.accept(chunk -> event(os, bytes((chunk instanceof Named n ? "event: " + n.type() + "\n" : "") + "data: "
                    + (chunk instanceof Rendered r ? r.json() : write(mapper, chunk)) + "\n\n")));
            if (done) {
                event(os, DONE);
            }
        } catch (CancellationException e) {
            LOG.debug("stream cancelled by the client");
        } catch (RuntimeException e) {
            // The status line is gone already: report in-band, as OpenAI does, then end the stream.
            LOG.errorf(e, "stream failed");
            try {
                event(os, bytes("data: " + write(mapper, ApiErrors.body("/v1", 500, String.valueOf(e.getMessage()),
                        null, null)) + "\n\n"));
            } catch (CancellationException gone) {
                LOG.debug("stream failed after the client had gone");
            }
        } finally {
            always.run();
        }
    }

    /** One event on the wire now; a write that fails means the client went away. */
    private static void event(OutputStream os, byte[] event) {
        try {
            os.write(event);
            os.flush();
        } catch (IOException | UncheckedIOException e) {
            throw new CancellationException("client went away: " + e.getMessage());
        }
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String write(ObjectMapper mapper, Object o) {
        try {
            return mapper.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
