package dev.secateur.serve.engine;

import dev.secateur.serve.chat.ChatFormat;
import dev.secateur.serve.generate.InvalidRequestException;
import java.util.Optional;

/**
 * What a version folder opens to: a {@link Decoder} or an {@link Encoder}. Exactly one of {@link #asDecoder()} and
 * {@link #asEncoder()} is present, so callers ask for the kind they need instead of testing what they hold.
 */
public sealed interface LoadedModel extends AutoCloseable permits LoadedModel.Decoder, LoadedModel.Encoder {

    /** What both kinds report: provider, context, vocabulary, metadata. */
    Engine engine();

    Optional<Decoder> asDecoder();

    Optional<Embedder> asEncoder();

    @Override
    void close();

    default boolean isEncoder() {
        return asEncoder().isPresent();
    }

    /**
     * The decoder with its tokenizer and chat format, for the endpoints that generate or score tokens.
     *
     * @throws InvalidRequestException (400, param model) when this version is an encoder
     */
    default Decoder decoder(String name) {
        return asDecoder().orElseThrow(
                () -> new InvalidRequestException("model " + name + " is an encoder; use /v1/embeddings", "model"));
    }

    /** @throws InvalidRequestException (400, param model) when this version is a decoder */
    default Embedder embedder(String name) {
        return asEncoder().orElseThrow(
                () -> new InvalidRequestException("model " + name + " is a decoder; use /v1/completions", "model"));
    }

    /** A generating version: the network, its text codec and how it chats. */
    record Decoder(TextGenerator generator, TextCodec codec, ChatFormat chat) implements LoadedModel {

        @Override
        public Engine engine() {
            return generator;
        }

        @Override
        public Optional<Decoder> asDecoder() {
            return Optional.of(this);
        }

        @Override
        public Optional<Embedder> asEncoder() {
            return Optional.empty();
        }

        @Override
        public void close() {
            try (codec) {
                generator.close();
            }
        }
    }

    /** An embedding version; the embedder owns its tokenizer. */
    record Encoder(Embedder embedder) implements LoadedModel {

        @Override
        public Engine engine() {
            return embedder;
        }

        @Override
        public Optional<Decoder> asDecoder() {
            return Optional.empty();
        }

        @Override
        public Optional<Embedder> asEncoder() {
            return Optional.of(embedder);
        }

        @Override
        public void close() {
            embedder.close();
        }
    }
}
