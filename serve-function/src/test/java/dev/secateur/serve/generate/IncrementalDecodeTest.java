package dev.secateur.serve.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.serve.engine.TextCodec;
import dev.secateur.serve.engine.TokenizerCodec;
import dev.secateur.tokenizer.TextTokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The windowed decode against the whole decode, on real Hugging Face tokenizers of the kinds users bring: byte-level
 * BPE (GPT-2/Llama-3 style: the two benchmark models), word level (a decoder that joins with spaces), and a
 * Llama-2/TinyLlama-style SentencePiece BPE with byte fallback and a stripped first space. Random ids, many of them
 * pieces of multi-byte characters, so windows end inside a character.
 */
class IncrementalDecodeTest {

    @TempDir
    static Path dir;

    static Stream<String> tokenizers() {
        return Stream.of("../models/kjv-llama/tokenizer.json", "../models/kjv-byte/tokenizer.json",
                "../tools/reference/fixtures/tokenizer.json", "sentencepiece");
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void piecesAddUpToTheWholeDecode(String name) throws IOException {
        try (TextCodec codec = new TokenizerCodec(TextTokenizer.load(file(name)))) {
            int vocab = vocab(name);
            Random random = new Random(name.hashCode());
            for (int run = 0; run < 300; run++) {
                Sample sample = sample(name, 1 + random.nextInt(60), vocab, random);
                long[] ids = sample.ids();
                String whole = sample.expected(codec);
                TextAssembler t = new TextAssembler(codec, List.of());
                StringBuilder streamed = new StringBuilder();
                for (long id : ids) {
                    t.add(id);
                    streamed.append(t.drain(false));
                }
                streamed.append(t.drain(true));
                assertEquals(t.text(), streamed.toString(), name);
                if (sample.cut()) {
                    // the unfinished character: replacement characters after the whole ones, however many
                    String complete = codec.decode(java.util.Arrays.copyOf(ids, sample.whole()));
                    assertTrue(t.text().startsWith(complete), name);
                    assertTrue(t.text().length() > complete.length(), name);
                    assertTrue(t.text().substring(complete.length()).chars().allMatch(c -> c == 0xFFFD), name);
                } else {
                    assertEquals(whole, t.text(), () -> name + " " + java.util.Arrays.toString(ids));
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("tokenizers")
    void stopsCutWhereTheWholeDecodeHasThem(String name) throws IOException {
        try (TextCodec codec = new TokenizerCodec(TextTokenizer.load(file(name)))) {
            int vocab = vocab(name);
            Random random = new Random(~name.hashCode());
            int cuts = 0;
            for (int run = 0; run < 300; run++) {
                Sample sample = sample(name, 2 + random.nextInt(40), vocab, random);
                long[] ids = sample.ids();
                String whole = sample.expected(codec);
                String stop = stopIn(whole, random);
                if (stop == null || sample.cut()) {
                    continue;
                }
                int expected = whole.indexOf(stop);
                TextAssembler t = new TextAssembler(codec, List.of(stop));
                StringBuilder streamed = new StringBuilder();
                for (long id : ids) {
                    boolean stopped = t.add(id);
                    streamed.append(t.drain(false));
                    if (stopped) {
                        break;
                    }
                }
                streamed.append(t.drain(true));
                assertTrue(t.stopped(), () -> name + ": '" + stop + "' in '" + whole + "'");
                assertEquals(whole.substring(0, expected), t.text(), name);
                assertEquals(t.text(), streamed.toString(), name);
                cuts++;
            }
            assertTrue(cuts > 100, name + ": only " + cuts + " runs had a stop to find");
        }
    }

    @org.junit.jupiter.api.Test
    void aByteFallbackCharacterStaysReleasedWhileTheNextOneArrives() throws IOException {
        try (TextCodec codec = new TokenizerCodec(TextTokenizer.load(file("sentencepiece")))) {
            long[] euro = byteTokens("\u20AC"), grin = byteTokens("\uD83D\uDE00");
            TextAssembler t = new TextAssembler(codec, List.of());
            StringBuilder streamed = new StringBuilder();
            for (long id : euro) {
                t.add(id);
                streamed.append(t.drain(false));
            }
            assertEquals("\u20AC", streamed.toString());
            // the whole decode reads "€" plus the first byte of 😀 as four replacement characters
            t.add(grin[0]);
            streamed.append(t.drain(false));
            assertEquals("\u20AC", streamed.toString());
            for (int i = 1; i < grin.length; i++) {
                t.add(grin[i]);
                streamed.append(t.drain(false));
            }
            streamed.append(t.drain(true));
            assertEquals("\u20AC\uD83D\uDE00", t.text());
            assertEquals(t.text(), streamed.toString());
        }
    }

    /**
     * Generated ids and how many of them form whole characters (all, but for the SentencePiece vocabulary's last one
     * when the length cut it).
     */
    record Sample(long[] ids, int whole) {
        String expected(TextCodec codec) {
            return codec.decode(ids);
        }

        boolean cut() {
            return whole < ids.length;
        }
    }

    /**
     * Random ids for a byte-level or word-level vocabulary; for the SentencePiece one, pieces and whole characters'
     * UTF-8 bytes as byte tokens (a byte run that is not valid UTF-8 makes that decoder rewrite earlier characters,
     * which a model emitting text does not do), cut to the length asked for, so the last character may be cut.
     */
    private static Sample sample(String name, int length, int vocab, Random random) {
        if (!name.equals("sentencepiece")) {
            return new Sample(random.longs(length, 0, vocab).toArray(), length);
        }
        String[] chars = {"a", " ", "\u00E9", "\u20AC", "\uD83D\uDE00", "\u00FC", "\u2713", ","};
        long[] out = new long[length];
        int n = 0, whole = 0;
        while (n < length) {
            long[] chunk = random.nextBoolean() ? new long[] {257 + random.nextInt(vocab - 257)}
                    : byteTokens(chars[random.nextInt(chars.length)]);
            int fits = Math.min(chunk.length, length - n);
            System.arraycopy(chunk, 0, out, n, fits);
            n += fits;
            whole = fits == chunk.length ? n : whole;
        }
        return new Sample(out, whole);
    }

    /** The byte-fallback tokens <0xXX> of a text's UTF-8 (id 1 + byte in the SentencePiece-style vocabulary). */
    private static long[] byteTokens(String s) {
        byte[] utf8 = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long[] out = new long[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            out[i] = 1 + (utf8[i] & 0xFF);
        }
        return out;
    }

    /** One to three characters of the text, none of them a replacement character; null when there is none. */
    private static String stopIn(String text, Random random) {
        for (int attempt = 0; attempt < 10 && text.length() >= 4; attempt++) {
            int at = random.nextInt(text.length() - 3);
            String s = text.substring(at, at + 1 + random.nextInt(3));
            if (s.indexOf('\uFFFD') < 0 && !s.isBlank()) {
                return s;
            }
        }
        return null;
    }

    private static Path file(String name) throws IOException {
        return name.equals("sentencepiece") ? sentencePieceStyle() : Path.of(name);
    }

    private static int vocab(String name) throws IOException {
        try (TextTokenizer t = TextTokenizer.load(file(name))) {
            return t.vocabSize();
        }
    }

    /** Pieces with "▁" for a space, the 256 byte tokens <0x00>..<0xFF>, and Llama's decoder chain. */
    private static Path sentencePieceStyle() throws IOException {
        Path file = dir.resolve("sp-tokenizer.json");
        if (Files.isRegularFile(file)) {
            return file;
        }
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        root.putArray("added_tokens");
        root.putNull("normalizer");
        root.putNull("pre_tokenizer");
        root.putNull("post_processor");
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "Sequence");
        ArrayNode chain = decoder.putArray("decoders");
        chain.addObject().put("type", "Replace").<ObjectNode>set("pattern", m.createObjectNode().put("String", "\u2581"))
                .put("content", " ");
        chain.addObject().put("type", "ByteFallback");
        chain.addObject().put("type", "Fuse");
        chain.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", "<unk>");
        model.put("byte_fallback", true);
        model.put("fuse_unk", true);
        ObjectNode vocab = model.putObject("vocab");
        int id = 0;
        vocab.put("<unk>", id++);
        for (int b = 0; b < 256; b++) {
            vocab.put(String.format("<0x%02X>", b), id++);
        }
        for (String piece : new String[] {"\u2581", "\u2581the", "\u2581Lord", "\u2581said", ",", ".", "\u2581and", "ing",
                "\u2581é", "é", "\u2581caf", "\u2581€", "\u2581naïve", "\u2581\u2581", "s", "\u2581unto"}) {
            vocab.put(piece, id++);
        }
        model.putArray("merges");
        Files.writeString(file, m.writeValueAsString(root));
        return file;
    }
}
