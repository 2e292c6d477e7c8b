package dev.secateur.serve.engine;

/** Text to token ids and back, without special tokens or truncation. */
public interface TextCodec extends AutoCloseable {

    long[] encode(String text);

    String decode(long[] ids);

    @Override
    void close();
}
