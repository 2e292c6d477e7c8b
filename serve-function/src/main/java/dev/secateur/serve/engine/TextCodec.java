package dev.secateur.serve.engine;

import dev.secateur.tokenizer.TokenBytes;

/** Text to token ids and back, without truncation. */
public interface TextCodec extends AutoCloseable {

    /** The text's own tokens, no special tokens added: for text that already carries them (a rendered chat). */
    long[] encode(String text);

    /** A completion prompt as the model's tokenizer encodes one, with the special tokens it adds (a BOS, say). */
    long[] encodePrompt(String text);

    String decode(long[] ids);

    /** The bytes each token id adds to a decoded text (structured output's vocabulary). */
    TokenBytes tokenBytes();

    @Override
    void close();
}
