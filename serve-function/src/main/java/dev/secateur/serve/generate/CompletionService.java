package dev.secateur.serve.generate;

import dev.secateur.serve.engine.TextGenerator;
import dev.secateur.serve.engine.Finish;
import dev.secateur.serve.engine.LoadedModel;
import dev.secateur.runtime.SamplingParams;
import dev.secateur.serve.engine.TokenConstraint;
import dev.secateur.serve.engine.TextCodec;
import dev.secateur.serve.model.ModelHandle;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Text completions over one model version; knows nothing about HTTP. */
public final class CompletionService {

    /**
     * Checks what needs the model (token ids in the vocabulary, lengths against its context) before anything
     * is sent back.
     *
     * @param promptParam the request field the prompt came from, named in errors ("prompt" or "messages")
     */
    public PreparedCompletion prepare(ModelHandle model, CompletionSpec spec, String promptParam) {
        LoadedModel.Decoder decoder = model.model().decoder(model.name());
        TextCodec codec = decoder.codec();
        TextGenerator engine = decoder.generator();
        int context = engine.maxPositions();
        int vocab = engine.vocabSize();
        for (int id : spec.logitBias().keySet()) {
            if (id < 0 || id >= vocab) {
                throw new InvalidRequestException("logit_bias names token " + id + ", outside the model's vocabulary of "
                        + vocab, "logit_bias");
            }
        }
        List<long[]> ids = new ArrayList<>();
        int[] maxTokens = new int[spec.prompts().size()];
        for (int i = 0; i < maxTokens.length; i++) {
            Prompt prompt = spec.prompts().get(i);
            long[] p = prompt.ids() != null ? checkedIds(prompt.ids(), vocab, promptParam) : prompt.encode(codec);
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

    /** How many of the prompt's first ids the tokenizer added in front of the text's own (Llama's BOS: 1). */
    private static int addedInFront(TextCodec codec, Prompt sent, long[] prompt) {
        if (!sent.addsSpecialTokens()) {
            return 0;
        }
        long[] own = codec.encode(sent.text());
        for (int lead = 0; lead + own.length <= prompt.length; lead++) {
            if (Arrays.equals(prompt, lead, lead + own.length, own, 0, own.length)) {
                return lead;
            }
        }
        return 0;
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

    /** Threads that wait on a request's extra choices while the decode scheduler generates them together. */
    private static final ExecutorService CHOICES = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "secateur-choice");
        t.setDaemon(true);
        return t;
    });

    public CompletionResult run(PreparedCompletion job, ChoiceListener listener) {
        CompletionSpec spec = job.spec();
        long t0 = System.nanoTime();
        long[] firstToken = {-1};
        int promptTokens = 0;
        boolean together = job.promptIds().size() * spec.n() > 1
                && job.model().model().decoder(job.model().name()).generator().batches();
        ChoiceListener target = together ? new OneAtATime(listener) : listener;
        List<Callable<Choice>> calls = new ArrayList<>();
        int index = 0;
        for (int p = 0; p < job.promptIds().size(); p++) {
            long[] prompt = job.promptIds().get(p);
            Prompt sent = spec.prompts().get(p);
            promptTokens += prompt.length;
            for (int i = 0; i < spec.n(); i++, index++) {
                Long seed = spec.seed() == null ? null : spec.seed() + index;
                SamplingParams params = new SamplingParams(job.maxTokens()[p], spec.temperature(), spec.topK(), spec.topP(),
                        spec.minP(), seed,
                        spec.presencePenalty(), spec.frequencyPenalty(), spec.logprobs() != null,
                        spec.logprobs() == null ? 0 : spec.logprobs(), spec.stopTokenIds(), spec.logitBias());
                int at = index;
                calls.add(() -> one(job.model(), sent, prompt, spec, params, at, target, firstToken));
            }
        }
        List<Choice> choices = together ? together(calls) : inTurn(calls);
        int completionTokens = choices.stream().mapToInt(Choice::completionTokens).sum();
        long total = System.nanoTime() - t0;
        long ttft = firstToken[0] < 0 ? -1 : firstToken[0] - t0;
        return new CompletionResult(choices, new GenerationStats(total, ttft, total, promptTokens, completionTokens));
    }

    private static List<Choice> inTurn(List<Callable<Choice>> calls) {
        List<Choice> out = new ArrayList<>();
        for (Callable<Choice> c : calls) {
            out.add(call(c));
        }
        return out;
    }

    /**
     * Every choice at once, so the scheduler decodes them in the same steps; the listener sees one choice's pieces
     * at a time (interleaved by index, as OpenAI streams n > 1). The first failure cancels the others.
     */
    private static List<Choice> together(List<Callable<Choice>> calls) {
        List<Future<Choice>> futures = new ArrayList<>();
        try {
            for (Callable<Choice> c : calls) {
                futures.add(CHOICES.submit(c));
            }
            List<Choice> out = new ArrayList<>();
            for (Future<Choice> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while generating", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } finally {
            futures.forEach(f -> f.cancel(true));
        }
    }

    /** A listener called from several choices' threads: one call at a time, so a stream's chunks never interleave. */
    private static final class OneAtATime implements ChoiceListener {
        private final ChoiceListener target;

        OneAtATime(ChoiceListener target) {
            this.target = target;
        }

        @Override
        public synchronized void started(int index) {
            target.started(index);
        }

        @Override
        public synchronized void delta(int index, String text) {
            target.delta(index, text);
        }

        @Override
        public synchronized void delta(int index, String text, List<ScoredToken> tokens) {
            target.delta(index, text, tokens);
        }

        @Override
        public synchronized void finished(int index, Finish finish) {
            target.finished(index, finish);
        }
    }

    private static Choice call(Callable<Choice> c) {
        try {
            return c.call();
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Choice one(ModelHandle model, Prompt sent, long[] prompt, CompletionSpec spec, SamplingParams params,
                              int index, ChoiceListener listener, long[] firstToken) {
        LoadedModel.Decoder decoder = model.model().decoder(model.name());
        TextGenerator engine = decoder.generator();
        TextCodec codec = decoder.codec();
        boolean scoring = spec.logprobs() != null;
        listener.started(index);
        // The text as sent, so that a client can cut its own prompt off the front; a BOS the tokenizer added is
        // among the scored tokens but not in the text.
        String echo = !spec.echo() ? "" : sent.text() != null ? sent.text() : codec.decode(prompt);
        List<ScoredToken> echoed = scoring && spec.echo()
                ? Logprobs.echoed(model, prompt, addedInFront(codec, sent, prompt), spec.logprobs(), echo.length())
                : List.of();
        if (!echo.isEmpty()) {
            listener.delta(index, echo, echoed);
        }
        ChoiceStream choice = new ChoiceStream(codec, spec.stop(), listener, index, scoring, echo.length(), firstToken);
        TokenConstraint constraint = spec.format() == null ? null : spec.format().constraint(codec.tokenBytes());
        Finish finish = params.maxTokens() == 0 ? Finish.LENGTH
                : engine.generate(prompt, params, constraint, choice).finish();
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
