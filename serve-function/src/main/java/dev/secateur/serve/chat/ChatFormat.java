package dev.secateur.serve.chat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * How one decoder version chats: its template, and the tokens that end an assistant turn. Generation stops
 * on those as on EOS, so a reply ends where the template would close the turn.
 */
public record ChatFormat(ChatTemplate template, Set<Long> endOfTurnIds) {

    /** End-of-turn markers of the common template families; only those that are single tokens count. */
    static final String[] END_OF_TURN = {"<|im_end|>", "<|eot_id|>", "<|eom_id|>", "<end_of_turn>", "<|end|>"};

    public ChatFormat {
        endOfTurnIds = Set.copyOf(endOfTurnIds);
    }

    /** The template's eos_token and the known end-of-turn markers that the vocabulary has as tokens. */
    public static ChatFormat of(ChatTemplate template, Function<String, Optional<Integer>> tokenToId) {
        Set<Long> ids = new HashSet<>();
        String eos = template.specialTokens().get("eos_token");
        if (eos != null && !eos.isEmpty()) {
            tokenToId.apply(eos).ifPresent(id -> ids.add((long) id));
        }
        for (String marker : END_OF_TURN) {
            tokenToId.apply(marker).ifPresent(id -> ids.add((long) id));
        }
        return new ChatFormat(template, ids);
    }

    /** How this version writes tool calls, when its template takes tools and shows a form this server reads. */
    public Optional<ToolCallSyntax> toolCallSyntax() {
        return template.toolCallSyntax();
    }

    /** bos_token / eos_token for a folder without tokenizer_config.json: the ids the export recorded, as text. */
    public static Map<String, String> fallbackTokens(Integer bosId, Integer eosId, Function<Integer, Optional<String>> idToToken) {
        Map<String, String> m = new HashMap<>();
        m.put("bos_token", bosId == null ? "" : idToToken.apply(bosId).orElse(""));
        m.put("eos_token", eosId == null ? "" : idToToken.apply(eosId).orElse(""));
        return m;
    }
}
