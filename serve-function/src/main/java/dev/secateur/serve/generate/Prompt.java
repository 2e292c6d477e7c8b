package dev.secateur.serve.generate;

import dev.secateur.serve.engine.TextCodec;

/**
 * One prompt as the client sent it: completion text, a rendered chat, or token ids taken as they are.
 *
 * @param addsSpecialTokens whether the tokenizer's own special tokens go around the text: yes for a completion
 *                          prompt (what {@code tokenizer(text)} does), no for a rendered chat, whose template already
 *                          wrote them (what {@code apply_chat_template} does)
 */
public record Prompt(String text, long[] ids, boolean addsSpecialTokens) {

    public static Prompt text(String text) {
        return new Prompt(text, null, true);
    }

    public static Prompt renderedChat(String text) {
        return new Prompt(text, null, false);
    }

    public static Prompt ids(long[] ids) {
        return new Prompt(null, ids, false);
    }

    long[] encode(TextCodec codec) {
        return addsSpecialTokens ? codec.encodePrompt(text) : codec.encode(text);
    }
}
