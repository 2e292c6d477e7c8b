package dev.secateur.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token bytes against what the Hugging Face tokenizer itself decodes. */
class TokenBytesTest {

    static final Path DEMO_TOKENIZER = Path.of("../models/kjv-llama/tokenizer.json");

    /** Byte-level BPE (the demo model's, trained like GPT-2's): concatenated bytes decode to the tokenizer's decode. */
    @Test
    void byteLevelTokensConcatenateToTheDecode() {
        TokenBytes bytes = TokenBytes.read(DEMO_TOKENIZER);
        try (TextTokenizer t = TextTokenizer.load(DEMO_TOKENIZER)) {
            String text = "In the beginning God created the heaven and the earth.\n\tAnd the earth was without form; \"void\" {x}";
            long[] ids = t.encode(text);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (long id : ids) {
                out.writeBytes(bytes.of((int) id));
            }
            assertEquals(t.decode(ids), out.toString(StandardCharsets.UTF_8));
            int special = t.tokenToId("<|endoftext|>").orElseThrow();
            assertNull(bytes.of(special), "special tokens are control, not text");
            for (int id = 0; id < 256; id++) {
                assertEquals(1, bytes.of(id).length, "the first 256 pieces of a byte-level vocabulary are its bytes");
            }
        }
    }

    /** SentencePiece-style (Llama 2, Mistral): ▁ is a space and <0xNN> one byte; added tokens as written. */
    @Test
    void metaspaceTokensMapTheirMarkers(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, """
                {"version":"1.0","truncation":null,"padding":null,
                 "added_tokens":[{"id":0,"content":"<unk>","special":true,"single_word":false,"lstrip":false,"rstrip":false,"normalized":false},
                                 {"id":5,"content":"<tool>","special":false,"single_word":false,"lstrip":false,"rstrip":false,"normalized":false}],
                 "normalizer":null,"pre_tokenizer":null,"post_processor":null,
                 "decoder":{"type":"Sequence","decoders":[{"type":"Replace","pattern":{"String":"\u2581"},"content":" "},
                            {"type":"ByteFallback"},{"type":"Fuse"},{"type":"Strip","content":" ","start":1,"stop":0}]},
                 "model":{"type":"BPE","dropout":null,"unk_token":"<unk>","byte_fallback":true,"fuse_unk":true,
                          "vocab":{"<unk>":0,"<0x0A>":1,"\u2581{":2,"\\"":3,"<0xC3>":4,"<tool>":5},"merges":[]}}""");
        TokenBytes b = TokenBytes.read(file);
        assertNull(b.of(0));
        assertArrayEquals(new byte[] {'\n'}, b.of(1));
        assertArrayEquals(" {".getBytes(StandardCharsets.UTF_8), b.of(2));
        assertArrayEquals(new byte[] {'"'}, b.of(3));
        assertArrayEquals(new byte[] {(byte) 0xC3}, b.of(4));
        assertArrayEquals("<tool>".getBytes(StandardCharsets.UTF_8), b.of(5));
    }

    @Test
    void wordPieceContinuesWordsAndSpacesTheRest(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("tokenizer.json");
        Files.writeString(file, """
                {"added_tokens":[],"decoder":{"type":"WordPiece","prefix":"##","cleanup":true},
                 "model":{"type":"WordPiece","unk_token":"[UNK]","vocab":{"[UNK]":0,"play":1,"##ing":2}}}""");
        TokenBytes b = TokenBytes.read(file);
        assertEquals(" play", new String(b.of(1), StandardCharsets.UTF_8));
        assertEquals("ing", new String(b.of(2), StandardCharsets.UTF_8));
        assertTrue(b.size() == 3);
    }
}
