package dev.secateur.serve.engine;

import dev.secateur.serve.chat.ChatFormat;

/**
 * What a version folder opens to: the network, its tokenizer and, for decoders, how it chats.
 *
 * @param chat null for encoders
 */
public record LoadedModel(Engine engine, TextCodec codec, ChatFormat chat) implements AutoCloseable {

    public LoadedModel(Engine engine, TextCodec codec) {
        this(engine, codec, null);
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
