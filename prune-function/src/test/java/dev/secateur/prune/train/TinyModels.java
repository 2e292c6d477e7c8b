package dev.secateur.prune.train;

import dev.secateur.model.DecoderWeights;
import java.util.Random;

/** Tiny Llamas and texts for fast CPU tests. */
final class TinyModels {
    private TinyModels() {
    }

    static DecoderWeights llama(int hidden, int layers, int heads, int kvHeads, int ffn, int vocab, long seed) {
        LlamaInit.Sizes s = new LlamaInit.Sizes(hidden, layers, heads, kvHeads, ffn, vocab, 64, false);
        return LlamaInit.random(LlamaInit.config(s, null, null), seed);
    }

    /** English-like text from a small vocabulary, with enough regularity for a tiny model to learn. */
    static String text(int lines, long seed) {
        String[] subjects = {"the king", "the people", "my son", "the LORD", "a man", "the priest"};
        String[] verbs = {"went up to", "spake unto", "came unto", "looked upon", "blessed", "sent for"};
        String[] objects = {"the city", "the house", "his brethren", "the mountain", "the temple", "Jerusalem"};
        Random r = new Random(seed);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            sb.append("And ").append(subjects[r.nextInt(subjects.length)]).append(' ')
                    .append(verbs[r.nextInt(verbs.length)]).append(' ').append(objects[r.nextInt(objects.length)])
                    .append(r.nextBoolean() ? ", and it was so.\n" : ".\n");
        }
        return sb.toString();
    }
}
