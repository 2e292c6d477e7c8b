package dev.secateur.serve.engine;

import dev.secateur.tokenizer.TextTokenizer;

/** {@link TextCodec} over the shared Hugging Face tokenizer. */
public final class TokenizerCodec implements TextCodec {

    private final TextTokenizer tokenizer;

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
    public void close() {
        tokenizer.close();
    }
}
