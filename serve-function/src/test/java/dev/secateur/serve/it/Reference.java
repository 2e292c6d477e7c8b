package dev.secateur.serve.it;

import dev.secateur.runtime.GenerationResult;
import dev.secateur.runtime.OrtDecoder;
import dev.secateur.runtime.SamplingParams;
import dev.secateur.runtime.TokenCallback;
import dev.secateur.store.ModelStore;
import dev.secateur.tokenizer.TextTokenizer;
import java.nio.file.Path;
import java.util.Set;

/** What a bare OrtDecoder (no server) says for a stored version: the oracle the HTTP answers must match. */
final class Reference implements AutoCloseable {

    final OrtDecoder decoder;
    final TextTokenizer tokenizer;

    Reference(Path storeRoot, String name, int version) {
        Path dir = new ModelStore(storeRoot).resolve(name, version);
        decoder = OrtDecoder.open(dir, OrtDecoder.Options.defaults());
        tokenizer = TextTokenizer.load(dir.resolve("tokenizer.json"));
    }

    /** A completion prompt, tokenized as the tokenizer encodes prompts (the fixture's adds a BOS). */
    String greedy(String prompt, int maxTokens) {
        return greedy(tokenizer.encodePrompt(prompt), maxTokens);
    }

    /** A rendered chat, which already carries its special tokens. */
    String greedyChat(String rendered, int maxTokens) {
        return greedy(tokenizer.encode(rendered), maxTokens);
    }

    private String greedy(long[] ids, int maxTokens) {
        int[] p = new int[ids.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = (int) ids[i];
        }
        Set<Integer> stop = decoder.eosTokenId() == null ? Set.of() : Set.of(decoder.eosTokenId());
        GenerationResult r = decoder.generate(p, SamplingParams.greedy(maxTokens).withStopTokens(stop), TokenCallback.NONE);
        return tokenizer.decode(r.tokens().stream().mapToLong(Integer::longValue).toArray());
    }

    @Override
    public void close() {
        decoder.close();
        tokenizer.close();
    }
}
