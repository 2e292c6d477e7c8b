package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.secateur.serve.api.errors.ApiErrors;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.subscription.MultiEmitter;
import jakarta.ws.rs.core.MediaType;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CancellationException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * The two ways an OpenAI endpoint answers: one JSON body, or server-sent events (data: {chunk} ... data: [DONE])
 * when the request says stream: true, whatever its Accept header says (the SDKs send application/json either way).
 * Work runs on a worker thread; the response starts only when it does, so validation errors stay 4xx JSON.
 */
final class SseStream {

    private static final Logger LOG = Logger.getLogger(SseStream.class);
    static final String ANY_APPLICATION_TYPE = "application/*";

    /** Sends chunks of one stream; throws CancellationException once the client has gone. */
    interface Sink {
        void send(Object chunk);
    }

    private SseStream() {
    }

    static RestMulti<byte[]> json(ObjectMapper mapper, Supplier<Object> body) {
        Multi<byte[]> out = io.smallrye.mutiny.Uni.createFrom().item(() -> bytes(write(mapper, body.get())))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                .toMulti();
        return RestMulti.fromMultiData(out)
                .header("Content-Type", MediaType.APPLICATION_JSON)
                .encodeAsJsonArray(false)
                .build();
    }

    /** @param body writes the chunks; {@code data: [DONE]} follows when it returns, an in-band error when it throws */
    static RestMulti<byte[]> events(ObjectMapper mapper, Consumer<Sink> body, Runnable always) {
        Multi<byte[]> events = Multi.createFrom().<byte[]>emitter(em -> run(mapper, body, always, em))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
        return RestMulti.fromMultiData(events)
                .header("Content-Type", MediaType.SERVER_SENT_EVENTS)
                .header("Cache-Control", "no-cache")
                .encodeAsJsonArray(false)
                .build();
    }

    private static void run(ObjectMapper mapper, Consumer<Sink> body, Runnable always, MultiEmitter<? super byte[]> em) {
        try {
            body.accept(chunk -> {
                if (em.isCancelled()) {
                    throw new CancellationException("client went away");
                }
                em.emit(bytes("data: " + write(mapper, chunk) + "\n\n"));
            });
            em.emit(bytes("data: [DONE]\n\n"));
        } catch (CancellationException e) {
            LOG.debug("stream cancelled by the client");
        } catch (RuntimeException e) {
            // The status line is gone already: report in-band, as OpenAI does, then end the stream.
            LOG.errorf(e, "stream failed");
            em.emit(bytes("data: " + write(mapper, ApiErrors.body("/v1", 500, String.valueOf(e.getMessage()), null, null))
                    + "\n\n"));
        } finally {
            always.run();
            em.complete();
        }
    }

    /** Bytes, not Strings: under an application/* type Quarkus would JSON-encode a String item a second time. */
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
