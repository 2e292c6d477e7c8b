package dev.secateur.serve.engine;

/** What a version folder opens to: the network and its tokenizer. */
public record LoadedModel(Engine engine, TextCodec codec) implements AutoCloseable {
    @Override
    public void close() {
        try {
            engine.close();
        } finally {
            codec.close();
        }
    }
}
