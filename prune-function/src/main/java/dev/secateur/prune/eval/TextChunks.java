package dev.secateur.prune.eval;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;

/**
 * Cuts a text into pieces of about {@code chunkChars} characters, ending each piece just after a line
 * break (else after whitespace, else anywhere), so that a corpus is tokenised piece by piece instead of as
 * one string. For byte-level BPE (GPT-2, Llama 3, Qwen2) a cut after a newline gives exactly the ids of the
 * whole text; a tokenizer that prepends a space marker to every input (Llama 2's SentencePiece) may differ
 * by one token per cut, i.e. per ~1 MiB at the default size.
 */
final class TextChunks {
    static final int DEFAULT_CHARS = 1 << 20;

    private final Reader reader;
    private final int chunkChars;
    private final StringBuilder pending = new StringBuilder();
    private boolean eof;

    TextChunks(Reader reader, int chunkChars) {
        this.reader = reader;
        this.chunkChars = chunkChars;
    }

    /** The next piece, or null at the end of the text. */
    String next() {
        fill();
        if (pending.length() == 0) {
            return null;
        }
        int cut = eof && pending.length() <= chunkChars ? pending.length() : cutPoint();
        String piece = pending.substring(0, cut);
        pending.delete(0, cut);
        return piece;
    }

    private void fill() {
        char[] buf = new char[8192];
        try {
            while (!eof && pending.length() <= chunkChars) {
                int n = reader.read(buf);
                if (n < 0) {
                    eof = true;
                } else {
                    pending.append(buf, 0, n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int cutPoint() {
        int limit = Math.min(chunkChars, pending.length());
        int newline = pending.lastIndexOf("\n", limit - 1);
        if (newline >= 0) {
            return newline + 1;
        }
        for (int i = limit - 1; i > 0; i--) {
            if (Character.isWhitespace(pending.charAt(i))) {
                return i; // the whitespace starts the next piece, as byte-level BPE attaches a space to the next word
            }
        }
        return Character.isHighSurrogate(pending.charAt(limit - 1)) ? limit - 1 : limit;
    }
}
