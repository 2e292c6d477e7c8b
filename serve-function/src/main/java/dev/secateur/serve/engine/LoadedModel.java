package dev.secateur.serve.engine;

import dev.secateur.serve.chat.ChatFormat;
import dev.secateur.serve.generate.InvalidRequestException;

/**
 * What a version folder opens to: the network, its tokenizer and, for decoders, how it chats.
 *
 * @param chat null for encoders
 */
public record LoadedModel(Engine engine, TextCodec codec, ChatFormat chat) implements AutoCloseable {

    public LoadedModel(Engine engine, TextCodec codec) {
        this(engine, codec, null);
    }

    public boolean isEncoder() {
        return engine instanceof Embedder;
    }

    /**
     * The decoder, for the endpoints that generate or score tokens.
     *
     * @throws InvalidRequestException (400, param model) when this version is an encoder
     */
    public TextGenerator generator(String name) {
        if (engine instanceof TextGenerator g) {
            return g;
        }
        throw new InvalidRequestException("model " + name + " is an encoder; use /v1/embeddings", "model");
    }

    /** @throws InvalidRequestException (400, param model) when this version is a decoder */
    public Embedder embedder(String name) {
        if (engine instanceof Embedder e) {
            return e;
        }
        throw new InvalidRequestException("model " + name + " is a decoder; use /v1/completions", "model");
    }

    @Override
    public void close() {
        try {
            engine.close();
        } finally {
            codec.close();
        }
    }
}
