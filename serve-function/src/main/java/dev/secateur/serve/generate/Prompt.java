package dev.secateur.serve.generate;

/** One prompt as the client sent it: text to tokenize, or token ids taken as they are. */
public record Prompt(String text, long[] ids) {

    public static Prompt text(String text) {
        return new Prompt(text, null);
    }

    public static Prompt ids(long[] ids) {
        return new Prompt(null, ids);
    }
}
