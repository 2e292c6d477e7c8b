package dev.secateur.serve.generate;

import dev.secateur.serve.engine.Engine;
import dev.secateur.serve.engine.Finish;
import dev.secateur.serve.engine.Generated;
import dev.secateur.serve.engine.SamplingParams;
import dev.secateur.serve.engine.TextCodec;
import dev.secateur.serve.model.ModelHandle;
import java.util.ArrayList;
import java.util.List;

/** Text completions over one model version; knows nothing about HTTP. */
public final class CompletionService {

    /** Checks what needs the model (token counts against its context) before anything is sent back. */
    public PreparedCompletion prepare(ModelHandle model, CompletionSpec spec) {
        TextCodec codec = model.model().codec();
        int context = model.model().engine().maxPositions();
        List<long[]> ids = new ArrayList<>();
        for (String prompt : spec.prompts()) {
            long[] p = codec.encode(prompt);
            if (p.length == 0) {
                throw new InvalidRequestException("prompt encodes to no tokens", "prompt");
            }
            if (p.length + (long) spec.maxTokens() > context) {
                throw new InvalidRequestException("prompt (" + p.length + " tokens) + max_tokens (" + spec.maxTokens()
                        + ") exceeds the model's context of " + context + " tokens", "max_tokens");
            }
            ids.add(p);
        }
        return new PreparedCompletion(model, spec, ids);
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
        for (long[] prompt : job.promptIds()) {
            promptTokens += prompt.length;
            for (int i = 0; i < spec.n(); i++, index++) {
                long g0 = System.nanoTime();
                Long seed = spec.seed() == null ? null : spec.seed() + index;
                Choice c = one(job.model(), prompt, spec, seed, index, listener, t0, firstToken);
                genNanos += System.nanoTime() - g0;
                completionTokens += c.completionTokens();
                choices.add(c);
            }
        }
        long ttft = firstToken[0] < 0 ? -1 : firstToken[0] - t0;
        return new CompletionResult(choices,
                new GenerationStats(System.nanoTime() - t0, ttft, genNanos, promptTokens, completionTokens));
    }

    private static Choice one(ModelHandle model, long[] prompt, CompletionSpec spec, Long seed, int index,
                              ChoiceListener listener, long t0, long[] firstToken) {
        Engine engine = model.model().engine();
        TextCodec codec = model.model().codec();
        TextAssembler text = new TextAssembler(codec, spec.stop());
        List<Long> ids = new ArrayList<>();
                String echo = spec.echo() ? codec.decode(prompt) : "";
        if (!echo.isEmpty()) {
            listener.delta(index, echo);
        }
        SamplingParams params = new SamplingParams(spec.maxTokens(), spec.temperature(), spec.topP(), 0, seed);
        Generated out = spec.maxTokens() == 0 ? new Generated(Finish.LENGTH, new float[0])
                : engine.generate(prompt, params, id -> {
            if (firstToken[0] < 0) {
                firstToken[0] = System.nanoTime();
            }
            ids.add(id);
            boolean stop = text.add(id);
            String delta = text.drain(false);
            if (!delta.isEmpty()) {
                listener.delta(index, delta);
            }
            return !stop;
        });
        Finish finish = out.finish();
        if (text.stopped()) {
            finish = Finish.STOP;
        }
        String rest = text.drain(true);
        if (!rest.isEmpty()) {
            listener.delta(index, rest);
        }
        listener.finished(index, finish);
        TokenLogprobs logprobs = spec.logprobs() == null ? null
                : Logprobs.of(model, prompt, spec.echo(), ids, out.logprobs(), text.text().length(), echo.length());
        return new Choice(index, echo + text.text(), finish, logprobs, prompt.length, ids.size());
    }
}
