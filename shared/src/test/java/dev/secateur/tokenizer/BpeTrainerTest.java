package dev.secateur.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BpeTrainerTest {

    /** English-like text with repetition (so merges are learned), digits, punctuation, whitespace runs, non-ASCII. */
    static String corpus() {
        String[] words = {"the", "beginning", "God", "created", "heaven", "and", "earth", "was", "without", "form",
            "void", "darkness", "upon", "face", "of", "deep", "Spirit", "moved", "waters", "said", "Let", "there",
            "be", "light", "LORD", "unto", "them", "shall", "thee", "thou"};
        Random r = new Random(7);
        StringBuilder sb = new StringBuilder();
        for (int line = 0; line < 400; line++) {
            int n = 5 + r.nextInt(15);
            for (int i = 0; i < n; i++) {
                sb.append(words[r.nextInt(words.length)]);
                int p = r.nextInt(20);
                sb.append(p == 0 ? ", " : p == 1 ? "; " : p == 2 ? ": " : " ");
            }
            sb.setLength(sb.length() - 1);
            sb.append(line % 7 == 0 ? ".\n" : ". ");
        }
        return sb.toString();
    }

    static final String TRICKY = "In the beginning (1:1) God's   word—naïve café, 東京 😀!\n\n\tTabs\t and  double  spaces  \r\n"
            + "it's they're I'll we've you'd 12345 3.14 ...!!! ''' \u0000 end ";

    @Test
    void roundTripsAndMatchesDjl(@TempDir Path dir) throws Exception {
        String text = corpus() + TRICKY;
        BpeTrainer.Vocabulary v = new BpeTrainer(300).train(text);
        assertTrue(v.merges().size() > 100, "learned " + v.merges().size() + " merges");
        assertEquals(256 + v.merges().size() + 1, v.size());
        Path file = dir.resolve("tokenizer.json");
        BpeTrainer.write(v, file);

        try (HuggingFaceTokenizer tok = HuggingFaceTokenizer.newInstance(file,
                Map.of("addSpecialTokens", "false", "truncation", "false", "maxLength", "1000000"))) {
            for (String s : List.of(text, TRICKY, corpus().substring(0, 2000), " leading space", "", "a")) {
                long[] ids = tok.encode(s, false, false).getIds();
                assertEquals(s, tok.decode(ids, false), "round trip");
                assertArrayEquals(referenceEncode(v, s), ids, "DJL ids equal the trainer's own merge order");
            }
            long[] ids = tok.encode(corpus(), false, false).getIds();
            assertTrue(ids.length * 2.5 < corpus().getBytes(StandardCharsets.UTF_8).length,
                    "compresses: " + ids.length + " tokens");
            long eot = v.specialId(BpeTrainer.END_OF_TEXT);
            assertArrayEquals(new long[] {eot}, tok.encode(BpeTrainer.END_OF_TEXT, false, false).getIds());
        }
    }

    @Test
    void deterministicAndStopsAtMinFrequency() {
        String text = corpus();
        BpeTrainer.Vocabulary a = new BpeTrainer(200).train(text);
        BpeTrainer.Vocabulary b = new BpeTrainer(200).train(text);
        assertEquals(a.tokens(), b.tokens());
        BpeTrainer.Vocabulary small = new BpeTrainer(100_000).train("abab abab");
        assertTrue(small.merges().size() < 10, "stops when no pair repeats: " + small.merges().size());
    }

    @Test
    void missingFileIsClear(@TempDir Path dir) {
        var e = assertThrows(IllegalArgumentException.class, () -> new BpeTrainer(10).train(dir.resolve("nope.txt")));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void fastOnMegabytes() {
        StringBuilder sb = new StringBuilder();
        while (sb.length() < 2_000_000) {
            sb.append(corpus());
        }
        long t0 = System.nanoTime();
        BpeTrainer.Vocabulary v = new BpeTrainer(2000).train(sb);
        double s = (System.nanoTime() - t0) / 1e9;
        assertTrue(s < 30, "took " + s + " s");
        assertTrue(v.merges().size() > 100);
    }

    /** Applies merges by rank to each pre-token, the way the BPE model does. */
    static long[] referenceEncode(BpeTrainer.Vocabulary v, String text) {
        Map<Long, Integer> rank = new HashMap<>();
        for (int i = 0; i < v.merges().size(); i++) {
            int[] p = v.merges().get(i);
            rank.put(((long) p[0] << 32) | p[1], i);
        }
        List<Long> out = new ArrayList<>();
        Matcher m = BpeTrainer.GPT2_SPLIT.matcher(text);
        while (m.find()) {
            byte[] bytes = m.group().getBytes(StandardCharsets.UTF_8);
            int[] w = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                w[i] = bytes[i] & 0xff;
            }
            while (true) {
                int best = Integer.MAX_VALUE;
                for (int i = 0; i + 1 < w.length; i++) {
                    best = Math.min(best, rank.getOrDefault(((long) w[i] << 32) | w[i + 1], Integer.MAX_VALUE));
                }
                if (best == Integer.MAX_VALUE) {
                    break;
                }
                int[] p = v.merges().get(best);
                w = BpeTrainer.mergeWord(w, p[0], p[1], 256 + best);
            }
            for (int id : w) {
                out.add((long) id);
            }
        }
        return out.stream().mapToLong(Long::longValue).toArray();
    }

    @Test
    void byteTableIsGpt2s() {
        assertEquals('Ġ', ByteLevel.toChar(' '));
        assertEquals('Ċ', ByteLevel.toChar('\n'));
        assertEquals('A', ByteLevel.toChar('A'));
        assertEquals('ÿ', ByteLevel.toChar(0xff));
        assertEquals((char) 0x143, ByteLevel.toChar(0xad));
    }
}
