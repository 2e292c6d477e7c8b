package dev.secateur.serve.engine;

import dev.secateur.tokenizer.TextTokenizer;
import dev.secateur.tokenizer.TokenBytes;

/** {@link TextCodec} over the shared Hugging Face tokenizer. */
public final class TokenizerCodec implements TextCodec {

    private final TextTokenizer tokenizer;
    /** Read on the first structured-output request: most versions never need it. */
    private volatile TokenBytes tokenBytes;

    public TokenizerCodec(TextTokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    @Override
    public long[] encode(String text) {
        return tokenizer.encode(text);
    }

    @Override
    public long[] encodePrompt(String text) {
        return tokenizer.encodePrompt(text);
    }

    @Override
    public String decode(long[] ids) {
        return tokenizer.decode(ids);
    }

    @Override
    public TokenBytes tokenBytes() {
        TokenBytes b = tokenBytes;
        if (b == null) {
            synchronized (this) {
                if (tokenBytes == null) {
                    tokenBytes = TokenBytes.read(tokenizer.file());
                }
                b = tokenBytes;
            }
        }
        return b;
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
