package dev.secateur.serve.generate;

import dev.secateur.serve.engine.TextGenerator;
import dev.secateur.serve.engine.Finish;
import dev.secateur.serve.engine.SamplingParams;
import dev.secateur.serve.engine.TextCodec;
import dev.secateur.serve.model.ModelHandle;
import java.util.ArrayList;
import java.util.List;

/** Text completions over one model version; knows nothing about HTTP. */
public final class CompletionService {

    /**
     * Checks what needs the model (token ids in the vocabulary, lengths against its context) before anything
     * is sent back.
     *
     * @param promptParam the request field the prompt came from, named in errors ("prompt" or "messages")
     */
    public PreparedCompletion prepare(ModelHandle model, CompletionSpec spec, String promptParam) {
        TextCodec codec = model.model().codec();
        TextGenerator engine = model.model().generator(model.name());
        int context = engine.maxPositions();
        int vocab = engine.vocabSize();
        List<long[]> ids = new ArrayList<>();
        int[] maxTokens = new int[spec.prompts().size()];
        for (int i = 0; i < maxTokens.length; i++) {
            Prompt prompt = spec.prompts().get(i);
            long[] p = prompt.ids() != null ? checkedIds(prompt.ids(), vocab, promptParam) : codec.encode(prompt.text());
            if (p.length == 0) {
                throw new InvalidRequestException(promptParam + " encodes to no tokens", promptParam);
            }
            if (p.length >= context) {
                throw new ContextLengthExceededException("this model's maximum context length is " + context
                        + " tokens; the " + promptParam + " has " + p.length, promptParam);
            }
            maxTokens[i] = spec.maxTokens();
            if (p.length + (long) spec.maxTokens() > context) {
                if (!spec.fitToContext()) {
                    throw new ContextLengthExceededException("this model's maximum context length is " + context
                            + " tokens; the " + promptParam + " (" + p.length + " tokens) and max_tokens ("
                            + spec.maxTokens() + ") ask for " + (p.length + spec.maxTokens()), "max_tokens");
                }
                maxTokens[i] = context - p.length;
            }
            ids.add(p);
        }
        return new PreparedCompletion(model, spec, ids, maxTokens);
    }

    private static long[] checkedIds(long[] ids, int vocab, String param) {
        for (long id : ids) {
            if (id < 0 || id >= vocab) {
                throw new InvalidRequestException("token id " + id + " is outside the model's vocabulary of " + vocab,
                        param);
            }
        }
        return ids;
    }

    public CompletionResult run(PreparedCompletion job, ChoiceListener listener) {
        CompletionSpec spec = job.spec();
        long t0 = System.nanoTime();
        long[] firstToken = {-1};
        long genNanos = 0;
        int promptTokens = 0;
        int completionTokens = 0;
        List<Choice> choices = new ArrayList<>();
        int index = 0;
        for (int p = 0; p < job.promptIds().size(); p++) {
            long[] prompt = job.promptIds().get(p);
            promptTokens += prompt.length;
            for (int i = 0; i < spec.n(); i++, index++) {
                long g0 = System.nanoTime();
                Long seed = spec.seed() == null ? null : spec.seed() + index;
                SamplingParams params = new SamplingParams(job.maxTokens()[p], spec.temperature(), spec.topP(), 0, seed,
                        spec.presencePenalty(), spec.frequencyPenalty(), spec.logprobs() != null,
                        spec.logprobs() == null ? 0 : spec.logprobs(),
                        spec.stopTokenIds());
                Choice c = one(job.model(), prompt, spec, params, index, listener, firstToken);
                genNanos += System.nanoTime() - g0;
                completionTokens += c.completionTokens();
                choices.add(c);
            }
        }
        long ttft = firstToken[0] < 0 ? -1 : firstToken[0] - t0;
        return new CompletionResult(choices,
                new GenerationStats(System.nanoTime() - t0, ttft, genNanos, promptTokens, completionTokens));
    }

    private static Choice one(ModelHandle model, long[] prompt, CompletionSpec spec, SamplingParams params, int index,
                              ChoiceListener listener, long[] firstToken) {
        TextGenerator engine = model.model().generator(model.name());
        TextCodec codec = model.model().codec();
        boolean scoring = spec.logprobs() != null;
        listener.started(index);
        String echo = spec.echo() ? codec.decode(prompt) : "";
        List<ScoredToken> echoed = scoring && spec.echo() ? Logprobs.echoed(model, prompt, spec.logprobs(), echo.length())
                : List.of();
        if (!echo.isEmpty()) {
            listener.delta(index, echo, echoed);
        }
        ChoiceStream choice = new ChoiceStream(codec, spec.stop(), listener, index, scoring, echo.length(), firstToken);
        Finish finish = params.maxTokens() == 0 ? Finish.LENGTH : engine.generate(prompt, params, choice).finish();
        if (choice.stopped()) {
            finish = Finish.STOP;
        }
        choice.end();
        listener.finished(index, finish);
        TokenLogprobs logprobs = null;
        if (scoring) {
            List<ScoredToken> all = new ArrayList<>(echoed);
            all.addAll(choice.scored());
            logprobs = new TokenLogprobs(all);
        }
        return new Choice(index, echo + choice.text(), finish, logprobs, prompt.length, choice.tokenCount());
    }
}
