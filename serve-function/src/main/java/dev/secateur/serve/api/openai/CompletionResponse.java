package dev.secateur.serve.api.openai;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.secateur.serve.generate.ScoredToken;
import dev.secateur.serve.generate.TokenLogprobs;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** OpenAI's text_completion object; stream chunks use the same shape without usage. */
public record CompletionResponse(
        String id,
        String object,
        long created,
        String model,
        List<ChoiceBody> choices,
        @JsonInclude(JsonInclude.Include.NON_NULL) Usage usage) {

    public static final String OBJECT = "text_completion";

    public record ChoiceBody(String text, int index, LogprobsBody logprobs,
                             @JsonProperty("finish_reason") String finishReason) {
    }

    /** The legacy logprobs block: parallel lists, top_logprobs as {token: logprob} per position. */
    public record LogprobsBody(List<String> tokens,
                               @JsonProperty("token_logprobs") List<Float> tokenLogprobs,
                               @JsonProperty("top_logprobs") List<Map<String, Float>> topLogprobs,
                               @JsonProperty("text_offset") List<Integer> textOffset) {

        static LogprobsBody of(TokenLogprobs lp) {
            if (lp == null) {
                return null;
            }
            List<String> tokens = new ArrayList<>();
            List<Float> values = new ArrayList<>();
            List<Map<String, Float>> top = new ArrayList<>();
            List<Integer> offsets = new ArrayList<>();
            for (ScoredToken t : lp.tokens()) {
                tokens.add(t.text());
                values.add(t.logprob());
                offsets.add(t.offset());
                if (t.logprob() == null) {
                    top.add(null);
                } else {
                    Map<String, Float> alternatives = new LinkedHashMap<>();
                    for (ScoredToken.Alternative a : t.top()) {
                        alternatives.putIfAbsent(a.text(), a.logprob());
                    }
                    top.add(alternatives);
                }
            }
            return new LogprobsBody(tokens, values, top, offsets);
        }
    }
}
