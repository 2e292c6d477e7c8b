package dev.secateur.serve.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.UnexpectedStatusCodeException;
import com.openai.models.FunctionDefinition;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.chat.completions.ChatCompletionUserMessageParam;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.models.Model;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * /v1/models, /v1/completions and /v1/chat/completions driven by the official OpenAI Java SDK, the way an app
 * calls them; every answer is checked against a bare OrtDecoder on the same stored version, and every refusal
 * against the SDK's typed exception.
 */
@QuarkusTest
@WithTestResource(value = ServeTestResource.class, initArgs = @ResourceArg(name = "model", value = "tiny"))
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenAiSdkTest {

    static final String PROMPT = "hello world the cat";

    @ConfigProperty(name = "secateur.serve.store-root")
    String storeRoot;

    Reference ref;
    OpenAIClient client;

    @BeforeAll
    void setUp() {
        ref = new Reference(Path.of(storeRoot), "tiny", 1);
        client = OpenAiClients.client();
    }

    @AfterAll
    void tearDown() {
        ref.close();
        client.close();
    }

    CompletionCreateParams.Builder completion() {
        return CompletionCreateParams.builder().model("tiny").prompt(PROMPT).maxTokens(8).temperature(0.0);
    }

    ChatCompletionCreateParams.Builder chat() {
        return ChatCompletionCreateParams.builder().model("tiny").temperature(0.0).maxCompletionTokens(8);
    }

    @Test
    void modelsListAndRetrieve() {
        List<Model> models = client.models().list().data();
        assertEquals(1, models.size());
        Model m = models.get(0);
        assertEquals("tiny", m.id());
        assertEquals("model", m._object_().asStringOrThrow());
        assertTrue(m.created() > 1_600_000_000L, "created " + m.created());
        assertEquals("secateur", m.ownedBy());
        assertEquals("tiny:1", m._additionalProperties().get("served_as").asStringOrThrow());
        Model one = client.models().retrieve("tiny");
        assertEquals("tiny", one.id());
        assertEquals(JsonValue.from("CPU"), one._additionalProperties().get("provider"));
    }

    @Test
    void plainCompletionIsTheBareDecodersGreedyText() {
        Completion c = client.completions().create(completion().build());
        assertTrue(c.id().startsWith("cmpl-"));
        assertEquals("tiny:1", c.model());
        assertEquals(1, c.choices().size());
        assertEquals(ref.greedy(PROMPT, 8), c.choices().get(0).text());
        assertEquals(5, c.usage().orElseThrow().promptTokens());
        assertEquals(c.usage().orElseThrow().promptTokens() + c.usage().orElseThrow().completionTokens(),
                c.usage().orElseThrow().totalTokens());
    }

    @Test
    void tokenIdPromptsAreTakenAsTheyAre() {
        List<Long> ids = new ArrayList<>();
        for (long id : ref.tokenizer.encodePrompt(PROMPT)) {
            ids.add(id);
        }
        Completion c = client.completions().create(completion().promptOfArrayOfTokens(ids).build());
        assertEquals(ref.greedy(PROMPT, 8), c.choices().get(0).text());
        Completion two = client.completions().create(completion().promptOfArrayOfStrings(List.of(PROMPT, "the dog")).build());
        assertEquals(List.of(ref.greedy(PROMPT, 8), ref.greedy("the dog", 8)),
                two.choices().stream().map(CompletionChoice::text).toList());
    }

    @Test
    void nSeededChoicesAreReproducible() {
        CompletionCreateParams p = completion().temperature(1.0).topP(0.9).n(3).seed(42).maxTokens(6).build();
        Completion a = client.completions().create(p);
        assertEquals(3, a.choices().size());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, a.choices().get(i).index());
        }
        assertEquals(a.choices().stream().map(CompletionChoice::text).toList(),
                client.completions().create(p).choices().stream().map(CompletionChoice::text).toList());
    }

    @Test
    void streamedChoicesGeneratedTogetherEachReadAsTheirOwnStream() {
        // n = 3 choices are decoded in the same batch and streamed interleaved by index, as OpenAI does.
        java.util.Map<Long, StringBuilder> texts = new java.util.TreeMap<>();
        java.util.Map<Long, Integer> finishes = new java.util.HashMap<>();
        try (StreamResponse<Completion> s = client.completions().createStreaming(completion().n(3).maxTokens(12)
                .build())) {
            s.stream().forEach(chunk -> chunk.choices().forEach(ch -> {
                texts.computeIfAbsent(ch.index(), k -> new StringBuilder()).append(ch.text());
                ch._finishReason().asKnown().ifPresent(f -> finishes.merge(ch.index(), 1, Integer::sum));
            }));
        }
        String expected = ref.greedy(PROMPT, 12);
        assertEquals(List.of(0L, 1L, 2L), new ArrayList<>(texts.keySet()));
        for (long i = 0; i < 3; i++) {
            assertEquals(expected, texts.get(i).toString(), "choice " + i);
            assertEquals(1, finishes.get(i), "choice " + i + " finished once");
        }
    }

    @Test
    void logprobsAndTopLogprobsMatchTheModel() {
        Completion c = client.completions().create(completion().maxTokens(4).logprobs(2).build());
        CompletionChoice.Logprobs lp = c.choices().get(0).logprobs().orElseThrow();
        List<String> tokens = lp.tokens().orElseThrow();
        List<Double> values = lp.tokenLogprobs().orElseThrow();
        assertEquals(c.usage().orElseThrow().completionTokens(), tokens.size());
        // Greedy: the first token is the argmax of the bare decoder's last-position logits.
        long[] prompt = ref.tokenizer.encodePrompt(PROMPT);
        float[] logits = ref.decoder.logits(new long[][] {prompt})[0][prompt.length - 1];
        int best = dev.secateur.runtime.Sampler.argmax(logits);
        assertEquals(ref.tokenizer.decode(new long[] {best}), tokens.get(0));
        assertEquals(dev.secateur.runtime.Sampler.logSoftmax(logits, best), values.get(0), 1e-4);
        var top = lp.topLogprobs().orElseThrow();
        assertEquals(tokens.size(), top.size());
        for (int i = 0; i < tokens.size(); i++) {
            Map<String, JsonValue> alternatives = top.get(i)._additionalProperties();
            assertEquals(2, alternatives.size(), "alternatives at " + i);
            double chosen = ((Number) alternatives.get(tokens.get(i)).asNumber().orElseThrow()).doubleValue();
            assertEquals(values.get(i), chosen, 1e-5, "greedy picks the most likely alternative");
            for (JsonValue v : alternatives.values()) {
                assertTrue(((Number) v.asNumber().orElseThrow()).doubleValue() <= chosen + 1e-6);
            }
        }
        List<Long> offsets = lp.textOffset().orElseThrow();
        assertEquals(0L, offsets.get(0));
    }

    /**
     * The oracle: a greedy loop on the bare decoder over the BOS-prefixed prompt, applying OpenAI's logit_bias and
     * penalties to the logits by hand.
     */
    private String adjustedGreedy(Map<Integer, Float> bias, double presence, double frequency, int steps) {
        long[] prompt = ref.tokenizer.encodePrompt(PROMPT);
        int[] ids = new int[prompt.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (int) prompt[i];
        }
        Map<Integer, Integer> counts = new java.util.HashMap<>();
        List<Long> out = new ArrayList<>();
        try (dev.secateur.runtime.Generator g = ref.decoder.generator()) {
            float[] logits = g.feed(ids);
            for (int step = 0; step < steps; step++) {
                float[] scored = logits.clone();
                bias.forEach((id, b) -> scored[id] += b);
                counts.forEach((id, n) -> scored[id] -= (float) (n * frequency + presence));
                int next = dev.secateur.runtime.Sampler.argmax(scored);
                if (next == ref.decoder.eosTokenId()) {
                    break;
                }
                out.add((long) next);
                counts.merge(next, 1, Integer::sum);
                logits = g.feed(new int[] {next});
            }
        }
        return ref.tokenizer.decode(out.stream().mapToLong(Long::longValue).toArray());
    }

    @Test
    void penaltiesSteerGreedyDecodingAsOpenAiDefinesThem() {
        double presence = 1.5, frequency = 1.0;
        int steps = 24; // long enough for the fixture's unpenalised greedy path to repeat a word
        String expected = adjustedGreedy(Map.of(), presence, frequency, steps);
        org.junit.jupiter.api.Assertions.assertNotEquals(ref.greedy(PROMPT, steps), expected,
                "penalties this strong change this fixture's greedy path, so the test shows they are applied");
        Completion c = client.completions().create(completion().presencePenalty(presence).frequencyPenalty(frequency)
                .maxTokens(steps).build());
        assertEquals(expected, c.choices().get(0).text());
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> client.completions().create(completion().presencePenalty(2.5).build()));
        assertEquals("presence_penalty", e.param().orElseThrow());
    }

    /** Banning the greedy path's first word (-100) and favouring another moves the path as the oracle says. */
    @Test
    void logitBiasSteersGreedyDecodingAsOpenAiDefinesIt() {
        String free = ref.greedy(PROMPT, 8);
        int first = ref.tokenizer.tokenToId(free.split(" ")[0]).orElseThrow();
        int favoured = ref.tokenizer.tokenToId("mat").orElseThrow();
        Map<Integer, Float> bias = Map.of(first, -100f, favoured, 3f);
        String expected = adjustedGreedy(bias, 0, 0, 8);
        org.junit.jupiter.api.Assertions.assertNotEquals(free, expected, "the bias changes the fixture's greedy path");
        assertFalse(expected.startsWith(free.split(" ")[0] + " "), "a -100 bias bans the token: " + expected);
        CompletionCreateParams.LogitBias.Builder lb = CompletionCreateParams.LogitBias.builder();
        bias.forEach((id, b) -> lb.putAdditionalProperty(String.valueOf(id), JsonValue.from(b)));
        Completion c = client.completions().create(completion().logitBias(lb.build()).build());
        assertEquals(expected, c.choices().get(0).text());

        // Chat takes it too: +100 on one word makes it the whole answer.
        ChatCompletion chat = client.chat().completions().create(chat().addUserMessage("the cat").maxCompletionTokens(4)
                .logitBias(ChatCompletionCreateParams.LogitBias.builder()
                        .putAdditionalProperty(String.valueOf(favoured), JsonValue.from(100)).build())
                .build());
        assertEquals("mat mat mat mat", chat.choices().get(0).message().content().orElseThrow());
    }

    /** vLLM's top_k and min_p, as the SDKs send them in extra_body: top_k 1 or min_p 1 leave only the argmax. */
    @Test
    void vllmTopKAndMinPFromExtraBody() {
        String greedy = ref.greedy(PROMPT, 8);
        Completion k1 = client.completions().create(completion().temperature(1.5).seed(3)
                .putAdditionalBodyProperty("top_k", JsonValue.from(1)).build());
        assertEquals(greedy, k1.choices().get(0).text());
        Completion p1 = client.completions().create(completion().temperature(1.5).seed(3)
                .putAdditionalBodyProperty("min_p", JsonValue.from(1.0)).build());
        assertEquals(greedy, p1.choices().get(0).text());
        Completion free = client.completions().create(completion().temperature(1.5).seed(3).build());
        org.junit.jupiter.api.Assertions.assertNotEquals(greedy, free.choices().get(0).text(),
                "at temperature 1.5 this seed leaves the greedy path, so top_k and min_p did the narrowing");
        ChatCompletion chatK1 = client.chat().completions().create(chat().addUserMessage("the cat").temperature(1.5)
                .seed(3L).putAdditionalBodyProperty("top_k", JsonValue.from(1)).build());
        assertEquals(ref.greedyChat("<s> [INST] the cat [/INST]", 8), chatK1.choices().get(0).message().content().orElseThrow());
        for (Map.Entry<String, Object> bad : List.<Map.Entry<String, Object>>of(Map.entry("top_k", -2),
                Map.entry("min_p", 1.5), Map.entry("min_p", -0.1))) {
            BadRequestException e = assertThrows(BadRequestException.class, () -> client.completions().create(completion()
                    .putAdditionalBodyProperty(bad.getKey(), JsonValue.from(bad.getValue())).build()), bad.toString());
            assertEquals(bad.getKey(), e.param().orElseThrow());
        }
    }

    /** Identifiers an app attaches (metadata, cache key, safety id, the auto tier) change nothing; another tier is refused. */
    @Test
    void identifiersAreAcceptedAndOtherTiersRefused() {
        String plain = client.chat().completions().create(chat().addUserMessage("the cat").build()).choices().get(0)
                .message().content().orElseThrow();
        ChatCompletion tagged = client.chat().completions().create(chat().addUserMessage("the cat")
                .metadata(ChatCompletionCreateParams.Metadata.builder().putAdditionalProperty("app", JsonValue.from("demo")).build())
                .promptCacheKey("session-1").safetyIdentifier("user-42")
                .serviceTier(ChatCompletionCreateParams.ServiceTier.AUTO).build());
        assertEquals(plain, tagged.choices().get(0).message().content().orElseThrow());
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(chat()
                .addUserMessage("the cat").serviceTier(ChatCompletionCreateParams.ServiceTier.FLEX).build()));
        assertEquals("service_tier", e.param().orElseThrow());
    }

    @Test
    void badLogitBiasNamesTheField() {
        for (Map<String, Object> bad : List.<Map<String, Object>>of(Map.of("cat", 1), Map.of("5", 101),
                Map.of("5", "high"), Map.of("100000", 1), Map.of("-1", 1))) {
            CompletionCreateParams.LogitBias.Builder lb = CompletionCreateParams.LogitBias.builder();
            bad.forEach((k, v) -> lb.putAdditionalProperty(k, JsonValue.from(v)));
            BadRequestException e = assertThrows(BadRequestException.class,
                    () -> client.completions().create(completion().logitBias(lb.build()).build()), bad.toString());
            assertEquals("logit_bias", e.param().orElseThrow(), bad.toString());
        }
    }

    @Test
    void streamedCompletionWithUsage() {
        StringBuilder text = new StringBuilder();
        List<String> finish = new ArrayList<>();
        long[] total = {-1};
        try (StreamResponse<Completion> s = client.completions().createStreaming(completion()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            s.stream().forEach(chunk -> {
                assertEquals("tiny:1", chunk.model());
                chunk.usage().ifPresent(u -> total[0] = u.totalTokens());
                for (CompletionChoice ch : chunk.choices()) {
                    text.append(ch.text());
                    ch._finishReason().asKnown().ifPresent(f -> finish.add(f.toString()));
                }
            });
        }
        String expected = ref.greedy(PROMPT, 8);
        assertEquals(expected, text.toString());
        assertEquals(1, finish.size());
        assertEquals(5 + ref.tokenizer.encode(expected).length, total[0]);
    }

    @Test
    void stopSequenceCutsTheText() {
        String full = ref.greedy(PROMPT, 8);
        String[] words = full.split(" ");
        assertTrue(words.length >= 3, "the fixture generates at least three words: " + full);
        Completion c = client.completions().create(completion().stopOfStrings(List.of(" " + words[2], "never")).build());
        assertEquals(full.substring(0, full.indexOf(" " + words[2])), c.choices().get(0).text());
        assertEquals(CompletionChoice.FinishReason.STOP, c.choices().get(0).finishReason());
    }

    /** What the served template (tiny-mistral.jinja) makes of the messages, written out by hand. */
    @Test
    void chatWithSystemPrompt() {
        ChatCompletion c = client.chat().completions().create(chat().addSystemMessage("the dog")
                .addUserMessage("sat").build());
        String prompt = "<s> [INST] the dog sat [/INST]";
        assertTrue(c.id().startsWith("chatcmpl-"));
        assertEquals("chat.completion", c._object_().asStringOrThrow());
        assertEquals("tiny:1", c.model());
        ChatCompletion.Choice choice = c.choices().get(0);
        assertFalse(ref.greedyChat(prompt, 8).isEmpty(), "a prompt the fixture answers with at least one token");
        assertEquals(ref.greedyChat(prompt, 8), choice.message().content().orElseThrow());
        assertEquals(JsonValue.from("assistant"), choice.message()._role());
        assertEquals(ref.tokenizer.encode(prompt).length, c.usage().orElseThrow().promptTokens());
        assertTrue(List.of(ChatCompletion.Choice.FinishReason.LENGTH, ChatCompletion.Choice.FinishReason.STOP)
                .contains(choice.finishReason()), choice.finishReason().toString());
    }

    @Test
    void multiTurnChat() {
        ChatCompletion c = client.chat().completions().create(chat().addUserMessage("hello").addAssistantMessage("world")
                .addUserMessage("the cat").maxCompletionTokens(5).build());
        assertEquals(ref.greedyChat("<s> [INST] hello [/INST] world </s> [INST] the cat [/INST]", 5),
                c.choices().get(0).message().content().orElseThrow());
        assertTrue(c.usage().orElseThrow().completionTokens() <= 5);
    }

    @Test
    void chatChoicesSeedTopPAndStop() {
        ChatCompletionCreateParams p = ChatCompletionCreateParams.builder().model("tiny").addUserMessage("the cat")
                .n(2).seed(7).temperature(1.0).topP(0.95).maxCompletionTokens(6).build();
        ChatCompletion a = client.chat().completions().create(p);
        assertEquals(2, a.choices().size());
        assertEquals(List.of(0L, 1L), a.choices().stream().map(ChatCompletion.Choice::index).toList());
        assertEquals(a.choices().stream().map(ch -> ch.message().content().orElseThrow()).toList(),
                client.chat().completions().create(p).choices().stream().map(ch -> ch.message().content().orElseThrow())
                        .toList());
        String full = ref.greedyChat("<s> [INST] the cat [/INST]", 8);
        String[] words = full.split(" ");
        ChatCompletion cut = client.chat().completions().create(chat().addUserMessage("the cat").stop(" " + words[2])
                .build());
        assertEquals(full.substring(0, full.indexOf(" " + words[2])), cut.choices().get(0).message().content().orElseThrow());
        assertEquals(ChatCompletion.Choice.FinishReason.STOP, cut.choices().get(0).finishReason());
    }

    @Test
    void maxTokensAndMaxCompletionTokensLimitTheReply() {
        ChatCompletion limited = client.chat().completions().create(chat().addUserMessage("the cat")
                .maxCompletionTokens(3).build());
        String expected = ref.greedyChat("<s> [INST] the cat [/INST]", 3);
        assertEquals(3, expected.split(" ").length);
        assertEquals(expected, limited.choices().get(0).message().content().orElseThrow());
        ChatCompletion legacy = client.chat().completions().create(ChatCompletionCreateParams.builder().model("tiny")
                .temperature(0.0).maxTokens(3).addUserMessage("the cat").build());
        assertEquals(expected, legacy.choices().get(0).message().content().orElseThrow());
    }

    @Test
    void streamedChatAnnouncesTheRoleThenContentThenFinishThenUsage() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(chat()
                .addUserMessage("the cat").streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true)
                        .build()).build())) {
            s.stream().forEach(chunks::add);
        }
        assertTrue(chunks.size() >= 3, "chunks: " + chunks.size());
        ChatCompletionChunk first = chunks.get(0);
        assertEquals("chat.completion.chunk", first._object_().asStringOrThrow());
        assertEquals(ChatCompletionChunk.Choice.Delta.Role.ASSISTANT, first.choices().get(0).delta().role().orElseThrow());
        StringBuilder text = new StringBuilder();
        int finishes = 0;
        for (ChatCompletionChunk ch : chunks.subList(0, chunks.size() - 1)) {
            assertEquals(first.id(), ch.id());
            ChatCompletionChunk.Choice choice = ch.choices().get(0);
            choice.delta().content().ifPresent(text::append);
            if (choice.finishReason().isPresent()) {
                finishes++;
            }
        }
        assertEquals(1, finishes);
        assertEquals(ref.greedyChat("<s> [INST] the cat [/INST]", 8), text.toString());
        assertFalse(text.toString().isEmpty());
        ChatCompletionChunk usage = chunks.get(chunks.size() - 1);
        assertTrue(usage.choices().isEmpty());
        assertEquals(ref.tokenizer.encode("<s> [INST] the cat [/INST]").length,
                usage.usage().orElseThrow().promptTokens());
    }

    @Test
    void chatLogprobsWithTopAlternatives() {
        ChatCompletion c = client.chat().completions().create(chat().addUserMessage("the cat").logprobs(true)
                .topLogprobs(3).maxCompletionTokens(4).build());
        List<ChatCompletionTokenLogprob> content = c.choices().get(0).logprobs().orElseThrow().content().orElseThrow();
        assertEquals(c.usage().orElseThrow().completionTokens(), content.size());
        assertEquals(4, content.size());
        StringBuilder joined = new StringBuilder();
        for (ChatCompletionTokenLogprob t : content) {
            assertEquals(3, t.topLogprobs().size());
            assertEquals(t.token(), t.topLogprobs().get(0).token(), "greedy picks the top alternative");
            assertEquals(t.logprob(), t.topLogprobs().get(0).logprob(), 1e-6);
            assertTrue(t.logprob() <= 0);
            joined.append(t.token());
        }
        assertEquals(c.choices().get(0).message().content().orElseThrow().replace(" ", ""), joined.toString().replace(" ", ""));
    }

    /** A streamed choice carries, piece by piece, exactly the logprobs of the same choice asked for whole. */
    @Test
    void streamedLogprobsAreTheWholeOnesInPieces() {
        ChatCompletionCreateParams chatParams = chat().addUserMessage("the cat").logprobs(true).topLogprobs(2)
                .maxCompletionTokens(6).build();
        List<ChatCompletionTokenLogprob> whole = client.chat().completions().create(chatParams).choices().get(0)
                .logprobs().orElseThrow().content().orElseThrow();
        assertFalse(whole.isEmpty());
        List<ChatCompletionTokenLogprob> streamed = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(chatParams)) {
            s.stream().forEach(chunk -> chunk.choices().forEach(c -> c.logprobs()
                    .flatMap(ChatCompletionChunk.Choice.Logprobs::content).ifPresent(streamed::addAll)));
        }
        assertEquals(whole.stream().map(ChatCompletionTokenLogprob::token).toList(),
                streamed.stream().map(ChatCompletionTokenLogprob::token).toList());
        for (int i = 0; i < whole.size(); i++) {
            assertEquals(whole.get(i).logprob(), streamed.get(i).logprob(), 1e-6);
            assertEquals(2, streamed.get(i).topLogprobs().size());
        }

        CompletionCreateParams legacy = completion().maxTokens(6).logprobs(1).echo(true).build();
        CompletionChoice.Logprobs all = client.completions().create(legacy).choices().get(0).logprobs().orElseThrow();
        List<String> tokens = new ArrayList<>();
        List<Long> offsets = new ArrayList<>();
        try (StreamResponse<Completion> s = client.completions().createStreaming(legacy)) {
            s.stream().forEach(chunk -> chunk.choices().forEach(c -> c.logprobs().ifPresent(lp -> {
                tokens.addAll(lp.tokens().orElseThrow());
                offsets.addAll(lp.textOffset().orElseThrow());
            })));
        }
        assertEquals(all.tokens().orElseThrow(), tokens);
        assertEquals(all.textOffset().orElseThrow(), offsets);
        assertEquals(ref.tokenizer.encodePrompt(PROMPT).length + 6, tokens.size(), "echoed prompt tokens, then the generated");
    }

    @Test
    void unknownModelIsNotFound() {
        NotFoundException e = assertThrows(NotFoundException.class,
                () -> client.completions().create(completion().model("nope").build()));
        assertEquals(404, e.statusCode());
        assertEquals("model", e.param().orElseThrow());
        assertEquals("model_not_found", e.code().orElseThrow());
        assertThrows(NotFoundException.class, () -> client.chat().completions().create(chat().model("tiny:7")
                .addUserMessage("hello").build()));
        assertThrows(NotFoundException.class, () -> client.models().retrieve("nope"));
    }

    /** An SDK method this server lacks (moderations) is a 404 that names the path, not a missing model. */
    @Test
    void unimplementedEndpointSaysSo() {
        NotFoundException e = assertThrows(NotFoundException.class, () -> client.moderations().create(
                com.openai.models.moderations.ModerationCreateParams.builder().input("hello").build()));
        assertEquals("unknown_url", e.code().orElseThrow());
        assertTrue(e.getMessage().contains("/v1/moderations"), e.getMessage());
    }

    @Test
    void negativeMaxTokensIsABadRequest() {
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> client.completions().create(completion().maxTokens(-1).build()));
        assertEquals("max_tokens", e.param().orElseThrow());
        assertEquals("invalid_request_error", e.type().orElseThrow());
        BadRequestException chat = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(chat().addUserMessage("hello").maxCompletionTokens(-1).build()));
        assertEquals("max_completion_tokens", chat.param().orElseThrow());
    }

    @Test
    void aWizardIsNotARole() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(chat()
                .addMessage(ChatCompletionUserMessageParam.builder().content("hello").role(JsonValue.from("wizard")).build())
                .build()));
        assertEquals("messages[0].role", e.param().orElseThrow());
        assertTrue(e.getMessage().contains("wizard"), e.getMessage());
    }

    @Test
    void aTemplateThatRaisesRefusesTheConversation() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(chat()
                .addUserMessage("hello").addUserMessage("world").build()));
        assertEquals("messages", e.param().orElseThrow());
        assertTrue(e.getMessage().contains("Conversation roles must alternate"), e.getMessage());
    }

    @Test
    void toolsOnATemplateWithoutToolsAreRefusedByName() {
        BadRequestException e = assertThrows(BadRequestException.class, () -> client.chat().completions().create(chat()
                .addUserMessage("hello").addFunctionTool(FunctionDefinition.builder().name("get_weather").build()).build()));
        assertEquals("tools", e.param().orElseThrow());
        assertTrue(e.getMessage().contains("takes no tools"), e.getMessage());
        BadRequestException suffix = assertThrows(BadRequestException.class,
                () -> client.completions().create(completion().suffix("the end").build()));
        assertEquals("suffix", suffix.param().orElseThrow());
    }

    @Test
    void aPromptLongerThanTheContextIsRefused() {
        String longPrompt = String.join(" ", Collections.nCopies(200, "cat"));
        BadRequestException e = assertThrows(BadRequestException.class,
                () -> client.completions().create(completion().prompt(longPrompt).build()));
        assertEquals("context_length_exceeded", e.code().orElseThrow());
        assertEquals("prompt", e.param().orElseThrow());
        BadRequestException chat = assertThrows(BadRequestException.class,
                () -> client.chat().completions().create(chat().addUserMessage(longPrompt).build()));
        assertEquals("context_length_exceeded", chat.code().orElseThrow());
        assertEquals("messages", chat.param().orElseThrow());
        // Without a limit the reply is fitted to what the context leaves.
        String fits = String.join(" ", Collections.nCopies(120, "cat"));
        ChatCompletion c = client.chat().completions().create(ChatCompletionCreateParams.builder().model("tiny")
                .temperature(0.0).addUserMessage(fits).build());
        assertTrue(c.usage().orElseThrow().totalTokens() <= 128, "total " + c.usage().orElseThrow().totalTokens());
    }

    @Test
    void aBodyOverTheSizeLimitIs413() {
        String huge = "cat ".repeat(20_000);
        OpenAIServiceException e = assertThrows(UnexpectedStatusCodeException.class,
                () -> client.chat().completions().create(chat().addUserMessage(huge).build()));
        assertEquals(413, e.statusCode());
        assertFalse(e.getMessage().isEmpty());
    }

    static final String[] CONCURRENT_PROMPTS = {"hello", "hello world the cat sat on the mat", "the cat",
            "w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20 w21 w22 w23", "mat sat", "w40 w50 w60", "world", "cat cat cat"};

    @jakarta.inject.Inject
    dev.secateur.serve.model.ModelService models;

    /** The running service's decode-step counters: [steps, rows]. */
    long[] decodeCounters() {
        return new long[] {models.decodeStats().steps(), models.decodeStats().stepRows()};
    }

    @Test
    void concurrentCompletionsAreDecodedTogetherAndEachIsTheBareDecodersText() throws Exception {
        long[] before = decodeCounters();
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(
                CONCURRENT_PROMPTS.length);
        try {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < CONCURRENT_PROMPTS.length; i++) {
                String prompt = CONCURRENT_PROMPTS[i];
                int maxTokens = 10 + 6 * i;
                boolean stream = i % 2 == 1;
                answers.add(pool.submit(() -> {
                    go.await();
                    CompletionCreateParams p = completion().prompt(prompt).maxTokens(maxTokens).build();
                    if (!stream) {
                        return client.completions().create(p).choices().get(0).text();
                    }
                    StringBuilder text = new StringBuilder();
                    try (StreamResponse<Completion> s = client.completions().createStreaming(p)) {
                        s.stream().forEach(c -> c.choices().forEach(ch -> text.append(ch.text())));
                    }
                    return text.toString();
                }));
            }
            go.countDown();
            for (int i = 0; i < CONCURRENT_PROMPTS.length; i++) {
                assertEquals(ref.greedy(CONCURRENT_PROMPTS[i], 10 + 6 * i),
                        answers.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS), "prompt " + i);
            }
        } finally {
            pool.shutdownNow();
        }
        long[] after = decodeCounters();
        long steps = after[0] - before[0];
        long rows = after[1] - before[1];
        assertTrue(steps > 0 && rows > steps, "decode steps batched several requests: " + rows + " rows in " + steps
                + " steps");
    }

    @Test
    void aRequestOverTheContextFailsAloneAmongConcurrentOnes() throws Exception {
        String longPrompt = String.join(" ", Collections.nCopies(200, "cat"));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        try {
            List<java.util.concurrent.Future<String>> good = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                String prompt = CONCURRENT_PROMPTS[i];
                good.add(pool.submit(() -> client.completions().create(completion().prompt(prompt).maxTokens(24).build())
                        .choices().get(0).text()));
            }
            java.util.concurrent.Future<BadRequestException> bad = pool.submit(() -> assertThrows(BadRequestException.class,
                    () -> client.completions().create(completion().prompt(longPrompt).build())));
            assertEquals("context_length_exceeded", bad.get(60, java.util.concurrent.TimeUnit.SECONDS).code()
                    .orElseThrow());
            for (int i = 0; i < 3; i++) {
                assertEquals(ref.greedy(CONCURRENT_PROMPTS[i], 24), good.get(i).get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @jakarta.inject.Inject
    dev.secateur.serve.model.Admission admission;

    @ConfigProperty(name = "secateur.serve.max-concurrent-requests")
    int maxConcurrent;

    /**
     * Every request slot taken (as that many requests in flight hold them): a completion, a streamed completion and a
     * chat completion are each answered 429 at once with Retry-After and OpenAI's rate-limit error body, which the SDK
     * raises as RateLimitException; once the slots are free again the same request is served.
     */
    @Test
    void aSaturatedServerAnswers429WithRetryAfterAndServesAgainOnceFree() throws Exception {
        List<dev.secateur.serve.model.Admission.Hold> held = new ArrayList<>();
        try {
            for (int i = 0; i < maxConcurrent; i++) {
                held.add(admission.admit("tiny"));
            }
            com.openai.errors.RateLimitException plain = assertThrows(com.openai.errors.RateLimitException.class,
                    () -> client.completions().create(completion().build()));
            assertEquals(429, plain.statusCode());
            assertEquals("rate_limit_exceeded", plain.code().orElseThrow());
            assertThrows(com.openai.errors.RateLimitException.class, () -> {
                try (StreamResponse<Completion> s = client.completions().createStreaming(completion().build())) {
                    s.stream().count();
                }
            });
            assertThrows(com.openai.errors.RateLimitException.class,
                    () -> client.chat().completions().create(chat().addUserMessage("hello").build()));

            int port = org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
            java.net.http.HttpResponse<String> raw = java.net.http.HttpClient.newHttpClient().send(
                    java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://localhost:" + port + "/v1/completions"))
                            .header("Content-Type", "application/json")
                            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                    "{\"model\":\"tiny\",\"prompt\":\"hello\",\"max_tokens\":2}"))
                            .build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertEquals(429, raw.statusCode());
            assertTrue(Integer.parseInt(raw.headers().firstValue("Retry-After").orElseThrow()) >= 1, raw.headers().toString());
            com.fasterxml.jackson.databind.JsonNode error = dev.secateur.json.Json.mapper().readTree(raw.body()).get("error");
            assertEquals("rate_limit_error", error.get("type").asText(), raw.body());
            assertFalse(error.get("message").asText().isEmpty(), raw.body());
        } finally {
            held.forEach(dev.secateur.serve.model.Admission.Hold::close);
        }
        assertEquals(ref.greedy(PROMPT, 8), client.completions().create(completion().build()).choices().get(0).text());
    }

    /**
     * Streaming clients that hang up after their first chunk, more of them than there are request slots: each one's
     * slot comes back (else the later ones would get 429), the scheduler ends up with no running sequence, and the
     * next request is served as before.
     */
    @Test
    void clientsThatHangUpMidStreamGiveTheirSlotsBack() throws Exception {
        for (int i = 0; i < maxConcurrent + 4; i++) {
            try (StreamResponse<Completion> s = client.completions().createStreaming(completion().maxTokens(40).build())) {
                assertTrue(s.stream().findFirst().isPresent(), "no first chunk");
            }
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (admission.availableSlots() < maxConcurrent && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(maxConcurrent, admission.availableSlots(), "slots still held after the clients hung up");
        assertEquals(ref.greedy(PROMPT, 8), client.completions().create(completion().build()).choices().get(0).text());
    }
}
