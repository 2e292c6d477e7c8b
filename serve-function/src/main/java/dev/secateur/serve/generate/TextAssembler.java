package dev.secateur.serve.generate;

import dev.secateur.serve.engine.TextCodec;
import java.util.Arrays;
import java.util.List;

/**
 * Turns generated ids into text as they arrive: cuts at the first stop sequence, and only releases text
 * that can no longer change (no half-decoded UTF-8 at the end, no tail that might still grow into a stop
 * sequence), so streamed deltas concatenate to exactly the final text.
 *
 * <p>Each token costs a decode of a short window, not of everything generated so far: the window starts at the
 * token before the last settled one, and the new text is what the window decodes to beyond what its settled part
 * decoded to. Decoding both with the same leading context cancels what decoders do at the start of a string (a
 * stripped first space, word-level joining), so the pieces add up to the whole decode. A window whose text ends in a
 * replacement character (a UTF-8 sequence split across tokens) is not settled until a later token completes it.
 */
final class TextAssembler {

    private static final char REPLACEMENT = '\uFFFD';

    private final TextCodec codec;
    private final List<String> stops;
    private final int longestStop;
    private long[] ids = new long[16];
    private int count;
    /** ids[windowStart, settledEnd) is the settled context; its decode is {@code settledWindowText}. */
    private int windowStart;
    private int settledEnd;
    private String settledWindowText = "";
    /** The text: everything settled, then the unsettled tail (which the next token may still change). */
    private final StringBuilder text = new StringBuilder();
    private int settledChars;
    private int released;
    private boolean stopped;

    TextAssembler(TextCodec codec, List<String> stops) {
        this.codec = codec;
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
        this.longestStop = this.stops.stream().mapToInt(String::length).max().orElse(0);
    }

    /** @return true when a stop sequence has been reached (the caller stops generating) */
    boolean add(long id) {
        if (stopped) {
            return true;
        }
        if (count == ids.length) {
            ids = Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = id;
        int searchFrom = Math.max(0, settledChars - Math.max(0, longestStop - 1));
        String window = codec.decode(Arrays.copyOfRange(ids, windowStart, count));
        String tail = tail(window);
        text.setLength(settledChars);
        text.append(tail);
        if (!tail.isEmpty() && tail.charAt(tail.length() - 1) != REPLACEMENT) {
            settledChars = text.length();
            windowStart = settledEnd;
            settledEnd = count;
            settledWindowText = codec.decode(Arrays.copyOfRange(ids, windowStart, settledEnd));
        }
        int cut = firstStop(searchFrom);
        if (cut >= 0) {
            text.setLength(cut);
            stopped = true;
        }
        return stopped;
    }

    /**
     * What the window adds beyond its settled part. A byte-fallback decoder (SentencePiece: Llama 2, TinyLlama) turns a
     * run of byte tokens that is not valid UTF-8 as a whole into one replacement character per token, so while the
     * next character's bytes arrive, the settled characters just before them can read as replacement characters too;
     * such a window ends in one and is not settled, and until the run is whole again its tail is the unsettled tokens
     * decoded on their own. A window that rewrites its settled part and ends in a real character (no tokenizer we know
     * of) is decoded whole once.
     */
    private String tail(String window) {
        if (window.startsWith(settledWindowText)) {
            return window.substring(settledWindowText.length());
        }
        if (!window.isEmpty() && window.charAt(window.length() - 1) == REPLACEMENT) {
            return codec.decode(Arrays.copyOfRange(ids, settledEnd, count));
        }
        String all = codec.decode(Arrays.copyOf(ids, count));
        int keep = Math.min(settledChars, all.length());
        text.setLength(0);
        text.append(all, 0, keep);
        settledChars = keep;
        windowStart = count;
        settledEnd = count;
        settledWindowText = "";
        return all.substring(keep);
    }

    boolean stopped() {
        return stopped;
    }

    int tokenCount() {
        return count;
    }

    /** The text so far (final once generation ends). */
    String text() {
        return text.toString();
    }

    int length() {
        return text.length();
    }

    /** Text that became certain since the last call; at the end pass {@code last = true} for the rest. */
    String drain(boolean last) {
        int safe = last || stopped ? text.length() : safeLength();
        if (safe <= released) {
            return "";
        }
        String delta = text.substring(released, safe);
        released = safe;
        return delta;
    }

    private int firstStop(int from) {
        int best = -1;
        for (String s : stops) {
            int i = text.indexOf(s, from);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    /** Settled text only: an unsettled tail can still change (see {@link #tail}). */
    private int safeLength() {
        int end = Math.min(settledChars, text.length());
        int hold = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, end); k > hold; k--) {
                if (endsWithPrefix(end, s, k)) {
                    hold = k;
                    break;
                }
            }
        }
        return end - hold;
    }

    /** Whether text[end - k, end) equals the first k characters of s. */
    private boolean endsWithPrefix(int end, String s, int k) {
        for (int i = 0; i < k; i++) {
            if (text.charAt(end - k + i) != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
