package dev.secateur.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import dev.secateur.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The bytes each token id adds to the decoded text, read from tokenizer.json, for whoever must judge a token's
 * text before it is generated (constrained decoding). A token's bytes are not its decode on its own: a byte-level
 * token may hold half of a UTF-8 character, and decoders strip or merge at the start of a text. So the table follows
 * the decoder kinds Hugging Face checkpoints ship: ByteLevel (GPT-2, Llama 3, Qwen: each character stands for one
 * byte), Metaspace / SentencePiece (Llama 2, Mistral, TinyLlama: ▁ for a space, {@code <0xNN>} for a byte), and
 * word-level or WordPiece vocabularies without one (a space between words, "##" continuing a word).
 * Special added tokens have no bytes (null): they are control, not text.
 *
 * <p>For masking a whole vocabulary at once the tokens are also grouped by their first byte (a state is stepped once
 * per first byte, and a group whose first byte it refuses is skipped whole) and flagged when every byte is plain
 * string content (printable ASCII but quote and backslash), which a string without a length limit takes as is.
 */
public final class TokenBytes {

    private static final char METASPACE = '\u2581';
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        for (int b = 0; b < 256; b++) {
            CHAR_TO_BYTE[ByteLevel.toChar(b)] = b;
        }
    }

    private enum Kind { BYTE_LEVEL, METASPACE, WORD_PIECE, WORDS, PLAIN }

    private final byte[][] bytes;
    private final int[][] byFirstByte;
    private final boolean[] plain;

    /** @param bytes bytes[id]: the bytes of token id, null for special tokens and ids the vocabulary does not use */
    public TokenBytes(byte[][] bytes) {
        this.bytes = bytes;
        int[] counts = new int[256];
        plain = new boolean[bytes.length];
        for (int t = 0; t < bytes.length; t++) {
            byte[] b = bytes[t];
            if (b != null && b.length > 0) {
                counts[b[0] & 0xFF]++;
                boolean p = true;
                for (byte x : b) {
                    int v = x & 0xFF;
                    p &= v >= 0x20 && v < 0x80 && v != '"' && v != '\\';
                }
                plain[t] = p;
            }
        }
        byFirstByte = new int[256][];
        for (int v = 0; v < 256; v++) {
            byFirstByte[v] = new int[counts[v]];
        }
        int[] fill = new int[256];
        for (int t = 0; t < bytes.length; t++) {
            byte[] b = bytes[t];
            if (b != null && b.length > 0) {
                int v = b[0] & 0xFF;
                byFirstByte[v][fill[v]++] = t;
            }
        }
    }

    /** Ids covered: one more than the largest id the tokenizer names. */
    public int size() {
        return bytes.length;
    }

    /** The bytes of a token, null for special tokens and ids outside the vocabulary. */
    public byte[] of(int token) {
        return token >= 0 && token < bytes.length ? bytes[token] : null;
    }

    /** The ids whose bytes begin with this byte (0..255). */
    public int[] startingWith(int firstByte) {
        return byFirstByte[firstByte];
    }

    /** Whether every byte of the token is printable ASCII other than quote and backslash. */
    public boolean isPlainText(int token) {
        return token < plain.length && plain[token];
    }

    public static TokenBytes read(Path tokenizerJson) {
        JsonNode root;
        try {
            root = Json.mapper().readTree(tokenizerJson.toFile());
        } catch (IOException e) {
            throw new IllegalArgumentException(tokenizerJson + ": not valid JSON (" + e.getMessage() + ")", e);
        }
        Kind kind = kind(root);
        Map<Integer, String> pieces = new HashMap<>();
        JsonNode vocab = root.path("model").path("vocab");
        if (vocab.isObject()) {
            vocab.fields().forEachRemaining(e -> pieces.put(e.getValue().asInt(), e.getKey()));
        } else {
            for (int i = 0; i < vocab.size(); i++) {
                pieces.put(i, vocab.get(i).get(0).asText());
            }
        }
        Map<Integer, Boolean> added = new HashMap<>();
        for (JsonNode a : root.path("added_tokens")) {
            pieces.put(a.path("id").asInt(), a.path("content").asText());
            added.put(a.path("id").asInt(), a.path("special").asBoolean(false));
        }
        int size = pieces.keySet().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        byte[][] out = new byte[size][];
        pieces.forEach((id, piece) -> {
            Boolean special = added.get(id);
            if (special == null) {
                out[id] = bytes(kind, piece);
            } else if (!special) {
                // an added token is matched and written as its literal content, not through the model's decoder
                out[id] = piece.getBytes(StandardCharsets.UTF_8);
            }
        });
        return new TokenBytes(out);
    }

    private static Kind kind(JsonNode root) {
        String model = root.path("model").path("type").asText();
        String decoders = root.path("decoder").toString();
        if (decoders.contains("\"ByteLevel\"")) {
            return Kind.BYTE_LEVEL;
        }
        if (decoders.contains("\"Metaspace\"") || decoders.contains("\"ByteFallback\"") || decoders.contains("\u2581")) {
            return Kind.METASPACE;
        }
        if ("WordPiece".equals(model) || decoders.contains("\"WordPiece\"")) {
            return Kind.WORD_PIECE;
        }
        if ("WordLevel".equals(model) && root.path("decoder").isNull()) {
            return Kind.WORDS;
        }
        return Kind.PLAIN;
    }

    private static byte[] bytes(Kind kind, String piece) {
        switch (kind) {
            case BYTE_LEVEL -> {
                byte[] b = new byte[piece.length()];
                for (int i = 0; i < piece.length(); i++) {
                    char c = piece.charAt(i);
                    int v = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
                    if (v < 0) {
                        return piece.getBytes(StandardCharsets.UTF_8); // not from the byte alphabet: written as it reads
                    }
                    b[i] = (byte) v;
                }
                return b;
            }
            case METASPACE -> {
                if (piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")) {
                    try {
                        return new byte[] {(byte) Integer.parseInt(piece.substring(3, 5), 16)};
                    } catch (NumberFormatException e) {
                        // a piece that only looks like a byte token
                    }
                }
                return piece.replace(METASPACE, ' ').getBytes(StandardCharsets.UTF_8);
            }
            case WORD_PIECE -> {
                return (piece.startsWith("##") ? piece.substring(2) : " " + piece).getBytes(StandardCharsets.UTF_8);
            }
            case WORDS -> {
                // Hugging Face joins word-level tokens with a space when there is no decoder
                return (" " + piece).getBytes(StandardCharsets.UTF_8);
            }
            default -> {
                return piece.getBytes(StandardCharsets.UTF_8);
            }
        }
    }
}
