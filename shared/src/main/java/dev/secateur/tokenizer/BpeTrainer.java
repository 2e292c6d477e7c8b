package dev.secateur.tokenizer;

import dev.secateur.json.Json;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Learns a byte-level BPE vocabulary (GPT-2 style) from text and writes it as a Hugging Face
 * {@code tokenizer.json} that {@code ai.djl.huggingface.tokenizers.HuggingFaceTokenizer} loads.
 *
 * <p>Text is split with the GPT-2 pre-tokenizer regex (the one the ByteLevel pre-tokenizer uses with
 * {@code use_regex}), each piece's UTF-8 bytes are mapped to printable characters with GPT-2's
 * byte-to-unicode table, and the most frequent adjacent pair is merged until the requested number of merges
 * is reached or no pair occurs {@code minFrequency} times. Ids: 0–255 are the bytes (id = byte value), then
 * merges in order, then the special tokens. No prefix space is added, so decoding reproduces the text exactly.
 *
 * <p>Pair counts are kept incrementally (only words that contain the merged pair are revisited) with a lazy
 * max-heap, so a few thousand merges over a few MB take seconds. Ties break toward the pair with smaller ids,
 * which makes training deterministic.
 */
public final class BpeTrainer {
    /** GPT-2's pre-tokenizer pattern, as Hugging Face's ByteLevel pre-tokenizer applies it. */
    static final Pattern GPT2_SPLIT = Pattern.compile(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+");
    public static final String END_OF_TEXT = "<|endoftext|>";
    private static final ObjectMapper JSON = Json.mapper();

    private final int merges;
    private final int minFrequency;
    private final List<String> specialTokens;

    /** A trained vocabulary: token strings by id (byte-level characters), and merges as pairs of ids. */
    public record Vocabulary(List<String> tokens, List<int[]> merges, List<String> specialTokens) {
        public int size() {
            return tokens.size() + specialTokens.size();
        }

        /** The id of a special token (they follow the BPE tokens). */
        public int specialId(String token) {
            int i = specialTokens.indexOf(token);
            if (i < 0) {
                throw new IllegalArgumentException("no special token " + token);
            }
            return tokens.size() + i;
        }
    }

    public BpeTrainer(int merges) {
        this(merges, 2, List.of(END_OF_TEXT));
    }

    public BpeTrainer(int merges, int minFrequency, List<String> specialTokens) {
        if (merges < 0) {
            throw new IllegalArgumentException("merges must be >= 0, got " + merges);
        }
        this.merges = merges;
        this.minFrequency = Math.max(1, minFrequency);
        this.specialTokens = List.copyOf(specialTokens);
    }

    public Vocabulary train(Path textFile) {
        if (!Files.isRegularFile(textFile)) {
            throw new IllegalArgumentException(textFile + ": text file does not exist");
        }
        try {
            return train(Files.readString(textFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(textFile + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    public Vocabulary train(CharSequence text) {
        // 1. Distinct pre-tokenized words with their counts, as byte-id sequences.
        Map<String, Integer> wordCounts = new HashMap<>();
        Matcher m = GPT2_SPLIT.matcher(text);
        while (m.find()) {
            wordCounts.merge(m.group(), 1, Integer::sum);
        }
        int n = wordCounts.size();
        int[][] words = new int[n][];
        long[] counts = new long[n];
        int w = 0;
        for (Map.Entry<String, Integer> e : wordCounts.entrySet()) {
            byte[] bytes = e.getKey().getBytes(StandardCharsets.UTF_8);
            int[] ids = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                ids[i] = bytes[i] & 0xff;
            }
            words[w] = ids;
            counts[w++] = e.getValue();
        }

        // 2. Initial pair counts and, per pair, the words that contain it.
        Map<Long, Long> pairCounts = new HashMap<>();
        Map<Long, Set<Integer>> where = new HashMap<>();
        for (int i = 0; i < n; i++) {
            addPairs(words[i], counts[i], i, pairCounts, where);
        }
        PriorityQueue<long[]> heap = new PriorityQueue<>(BpeTrainer::compareEntries);
        pairCounts.forEach((k, c) -> heap.add(new long[] {c, k}));

        List<String> tokens = new ArrayList<>(256 + merges);
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteLevel.BYTE_TO_CHAR[b]));
        }
        List<int[]> mergeList = new ArrayList<>(merges);

        // 3. Merge the most frequent pair until done.
        while (mergeList.size() < merges && !heap.isEmpty()) {
            long[] top = heap.poll();
            long key = top[1];
            Long current = pairCounts.get(key);
            if (current == null || current != top[0]) {
                continue; // stale heap entry
            }
            if (current < minFrequency) {
                break;
            }
            int a = (int) (key >>> 32), b = (int) key;
            int id = tokens.size();
            tokens.add(tokens.get(a) + tokens.get(b));
            mergeList.add(new int[] {a, b});
            Set<Integer> affected = where.remove(key);
            pairCounts.remove(key);
            Set<Long> touched = new HashSet<>();
            for (int wi : affected) {
                int[] old = words[wi];
                removePairs(old, counts[wi], wi, pairCounts, where, touched, key);
                int[] merged = mergeWord(old, a, b, id);
                words[wi] = merged;
                addPairs(merged, counts[wi], wi, pairCounts, where);
                collectPairs(merged, touched);
            }
            for (long k : touched) {
                Long c = pairCounts.get(k);
                if (c != null && c > 0) {
                    heap.add(new long[] {c, k});
                }
            }
        }
        return new Vocabulary(List.copyOf(tokens), List.copyOf(mergeList), specialTokens);
    }

    /** Higher count first; ties toward the smaller (first id, second id). */
    private static int compareEntries(long[] x, long[] y) {
        int c = Long.compare(y[0], x[0]);
        return c != 0 ? c : Long.compare(x[1], y[1]);
    }

    private static long key(int a, int b) {
        return ((long) a << 32) | (b & 0xffffffffL);
    }

    private static void addPairs(int[] word, long count, int wi, Map<Long, Long> pairCounts, Map<Long, Set<Integer>> where) {
        for (int i = 0; i + 1 < word.length; i++) {
            long k = key(word[i], word[i + 1]);
            pairCounts.merge(k, count, Long::sum);
            where.computeIfAbsent(k, x -> new HashSet<>()).add(wi);
        }
    }

    private static void removePairs(int[] word, long count, int wi, Map<Long, Long> pairCounts,
            Map<Long, Set<Integer>> where, Set<Long> touched, long mergedKey) {
        for (int i = 0; i + 1 < word.length; i++) {
            long k = key(word[i], word[i + 1]);
            if (k == mergedKey) {
                continue;
            }
            Long c = pairCounts.get(k);
            if (c != null) {
                long left = c - count;
                if (left <= 0) {
                    pairCounts.remove(k);
                } else {
                    pairCounts.put(k, left);
                }
            }
            Set<Integer> s = where.get(k);
            if (s != null) {
                s.remove(wi);
                if (s.isEmpty()) {
                    where.remove(k);
                }
            }
            touched.add(k);
        }
    }

    private static void collectPairs(int[] word, Set<Long> into) {
        for (int i = 0; i + 1 < word.length; i++) {
            into.add(key(word[i], word[i + 1]));
        }
    }

    /** Replaces every non-overlapping (a, b), left to right, with id. */
    static int[] mergeWord(int[] word, int a, int b, int id) {
        int[] out = new int[word.length];
        int o = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == a && word[i + 1] == b) {
                out[o++] = id;
                i++;
            } else {
                out[o++] = word[i];
            }
        }
        return java.util.Arrays.copyOf(out, o);
    }

    /** The Hugging Face tokenizer.json for a vocabulary. */
    public static ObjectNode toJson(Vocabulary v) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String s : v.specialTokens()) {
            added.addObject().put("id", v.specialId(s)).put("content", s).put("single_word", false)
                    .put("lstrip", false).put("rstrip", false).put("normalized", false).put("special", true);
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", byteLevel(false, true));
        root.set("post_processor", byteLevel(true, false));
        root.set("decoder", byteLevel(true, true));
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < v.tokens().size(); i++) {
            vocab.put(v.tokens().get(i), i);
        }
        for (String s : v.specialTokens()) {
            vocab.put(s, v.specialId(s));
        }
        ArrayNode merges = model.putArray("merges");
        for (int[] p : v.merges()) {
            merges.add(v.tokens().get(p[0]) + " " + v.tokens().get(p[1]));
        }
        return root;
    }

    private static ObjectNode byteLevel(boolean addPrefixSpace, boolean trimOffsets) {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", addPrefixSpace);
        n.put("trim_offsets", trimOffsets);
        n.put("use_regex", true);
        return n;
    }

    /** Writes tokenizer.json atomically (temp file, then rename). */
    public static void write(Vocabulary v, Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = parent.resolve(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), toJson(v));
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(file + ": cannot write tokenizer.json (" + e.getMessage() + ")", e);
        }
    }
}
