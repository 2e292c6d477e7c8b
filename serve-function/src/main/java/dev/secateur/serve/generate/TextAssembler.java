package dev.secateur.serve.generate;

import dev.secateur.serve.engine.TextCodec;
import java.util.List;

/**
 * Turns generated ids into text as they arrive: cuts at the first stop sequence, and only releases text
 * that can no longer change (no half-decoded UTF-8 at the end, no tail that might still grow into a stop
 * sequence), so streamed deltas concatenate to exactly the final text.
 */
final class TextAssembler {

    private final TextCodec codec;
    private final List<String> stops;
    private long[] ids = new long[16];
    private int count;
    private String text = "";
    private int released;
    private boolean stopped;

    TextAssembler(TextCodec codec, List<String> stops) {
        this.codec = codec;
        this.stops = stops.stream().filter(s -> !s.isEmpty()).toList();
    }

    /** @return true when a stop sequence has been reached (the caller stops generating) */
    boolean add(long id) {
        if (count == ids.length) {
            ids = java.util.Arrays.copyOf(ids, count * 2);
        }
        ids[count++] = id;
        String full = codec.decode(java.util.Arrays.copyOf(ids, count));
        int cut = firstStop(full);
        if (cut >= 0) {
            text = full.substring(0, cut);
            stopped = true;
        } else {
            text = full;
        }
        return stopped;
    }

    boolean stopped() {
        return stopped;
    }

    int tokenCount() {
        return count;
    }

    /** The text so far (final once generation ends). */
    String text() {
        return text;
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

    private int firstStop(String full) {
        int best = -1;
        for (String s : stops) {
            int i = full.indexOf(s);
            if (i >= 0 && (best < 0 || i < best)) {
                best = i;
            }
        }
        return best;
    }

    private int safeLength() {
        int end = text.length();
        while (end > 0 && text.charAt(end - 1) == '\uFFFD') {
            end--;
        }
        int hold = 0;
        for (String s : stops) {
            for (int k = Math.min(s.length() - 1, end); k > hold; k--) {
                if (text.startsWith(s.substring(0, k), end - k)) {
                    hold = k;
                    break;
                }
            }
        }
        return end - hold;
    }
}
