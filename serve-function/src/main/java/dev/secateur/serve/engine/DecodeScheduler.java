package dev.secateur.serve.engine;

import dev.secateur.runtime.DecodeBatch;
import dev.secateur.runtime.Generator;
import dev.secateur.runtime.OrtDecoder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Continuous batching for one loaded decoder: a single thread runs every active sequence's next token in one
 * session run ({@link DecodeBatch}). Sequences join after their prefill and leave when they finish, between two
 * steps; prompts are prefilled in arrival order, at most {@code prefillChunk} tokens between two steps while
 * others decode, so a long prompt never stalls the batch for long. The request's own thread receives the picked
 * tokens and does the text work (detokenising, stop strings, JSON), so that work overlaps the next step.
 */
final class DecodeScheduler implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(DecodeScheduler.class);

    private final OrtDecoder decoder;
    private final BatchingOptions options;
    private final DecodeStats stats;
    private final LinkedBlockingQueue<Sequence> incoming = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;

    // Owned by the scheduler thread.
    private final ArrayDeque<Sequence> waiting = new ArrayDeque<>();
    private final List<Sequence> ready = new ArrayList<>();
    private List<Sequence> rows = new ArrayList<>();
    private DecodeBatch batch;

    DecodeScheduler(OrtDecoder decoder, BatchingOptions options, DecodeStats stats) {
        this.decoder = decoder;
        this.options = options;
        this.stats = stats;
        this.thread = new Thread(this::loop, "secateur-decode-" + decoder.dir().getFileName());
        thread.setDaemon(true);
        thread.start();
    }

    /** On the request's thread: queues the sequence, then hands each picked token to the sink until it ends. */
    Generated generate(int[] prompt, TokenPicker picker, TokenSink sink) {
        if (closed) {
            throw new IllegalStateException("this model version has been unloaded");
        }
        Sequence s = new Sequence(prompt, picker);
        stats.waiting(1);
        incoming.add(s);
        try {
            return s.drain(sink);
        } finally {
            s.cancelled = true;
        }
    }

    private void loop() {
        try {
            while (true) {
                if (!hasWork()) {
                    Sequence s = incoming.poll(100, TimeUnit.MILLISECONDS);
                    if (s == null) {
                        if (closed) {
                            return;
                        }
                        continue;
                    }
                    waiting.add(s);
                }
                incoming.drainTo(waiting);
                dropCancelled();
                prefill();
                regroup();
                decode();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.errorf(e, "decode scheduler of %s stopped", decoder.dir());
            failAll(e instanceof RuntimeException re ? re : new IllegalStateException(e));
        } finally {
            closed = true;
            failAll(new IllegalStateException("this model version has been unloaded"));
            if (batch != null) {
                batch.close();
            }
        }
    }

    private boolean hasWork() {
        return !waiting.isEmpty() || !ready.isEmpty() || live() > 0;
    }

    private int live() {
        int n = 0;
        for (Sequence s : rows) {
            n += s.done ? 0 : 1;
        }
        return n;
    }

    /** Clients that went away: out of the queue now, out of the batch at the next regroup. */
    private void dropCancelled() {
        waiting.removeIf(s -> {
            if (s.cancelled) {
                stats.waiting(-1);
                s.closeGenerator();
            }
            return s.cancelled;
        });
        ready.removeIf(s -> {
            if (s.cancelled) {
                finished(s);
            }
            return s.cancelled;
        });
        for (Sequence s : rows) {
            if (s.cancelled && !s.done) {
                finished(s);
            }
        }
    }

    private void prefill() {
        // With nothing decoding there is nobody to keep waiting: prefill whole prompts.
        int budget = live() == 0 && ready.isEmpty() ? Integer.MAX_VALUE : options.prefillChunk();
        while (budget > 0 && !waiting.isEmpty() && live() + ready.size() < options.maxBatch()) {
            Sequence s = waiting.peek();
            int n = Math.min(budget, s.prompt.length - s.fed);
            float[] logits;
            long t0 = System.nanoTime();
            try {
                if (s.generator == null) {
                    s.generator = decoder.generator();
                }
                logits = s.generator.feed(Arrays.copyOfRange(s.prompt, s.fed, s.fed + n));
            } catch (RuntimeException e) {
                waiting.poll();
                stats.waiting(-1);
                s.closeGenerator();
                s.fail(e);
                continue;
            }
            stats.prefilled(System.nanoTime() - t0);
            s.fed += n;
            budget -= n;
            if (s.fed < s.prompt.length) {
                return;
            }
            waiting.poll();
            stats.waiting(-1);
            stats.running(1);
            if (pick(s, logits, s.generator.length())) {
                ready.add(s);
            }
        }
    }

    /** Prefilled sequences join; finished rows leave once they are as many as the live ones (copying is not free). */
    private void regroup() {
        int live = live();
        int dead = rows.size() - live;
        boolean full = batch != null && batch.rows() > 0 && batch.width() + 1 > decoder.maxPositions();
        if (ready.isEmpty() && (dead == 0 || dead < live) && !full) {
            return;
        }
        List<Sequence> next = new ArrayList<>();
        int[] keep = new int[live];
        int k = 0;
        for (int r = 0; r < rows.size(); r++) {
            if (!rows.get(r).done) {
                keep[k++] = r;
                next.add(rows.get(r));
            }
        }
        List<Generator> joining = new ArrayList<>();
        for (Sequence s : ready) {
            joining.add(s.generator);
            next.add(s);
        }
        if (batch == null) {
            batch = decoder.decodeBatch();
        }
        long t0 = System.nanoTime();
        try {
            batch.regroup(keep, joining);
            stats.regrouped(System.nanoTime() - t0);
        } catch (RuntimeException e) {
            LOG.errorf(e, "%s: regrouping the batch failed; failing its %d sequences", decoder.dir(), next.size());
            next.forEach(s -> fail(s, e));
            resetBatch();
            ready.forEach(Sequence::closeGenerator);
            ready.clear();
            return;
        }
        ready.forEach(Sequence::closeGenerator);
        ready.clear();
        rows = next;
    }

    private void decode() {
        if (live() == 0) {
            return;
        }
        long[] tokens = new long[rows.size()];
        for (int r = 0; r < tokens.length; r++) {
            tokens[r] = rows.get(r).lastToken;
        }
        float[][] logits;
        long t0 = System.nanoTime();
        try {
            logits = batch.step(tokens);
        } catch (RuntimeException e) {
            LOG.errorf(e, "%s: decode step of %d rows failed", decoder.dir(), tokens.length);
            rows.stream().filter(s -> !s.done).forEach(s -> fail(s, e));
            resetBatch();
            return;
        }
        for (int r = 0; r < tokens.length; r++) {
            Sequence s = rows.get(r);
            if (!s.done) {
                pick(s, logits[r], batch.length(r));
            }
        }
        stats.step(tokens.length, System.nanoTime() - t0);
    }

    /** @return whether the sequence goes on */
    private boolean pick(Sequence s, float[] logits, int cacheLength) {
        TokenPicker.Pick p = s.picker.pick(logits, cacheLength);
        // Bookkeeping before the event: once the request thread has its last token, the sequence is gone everywhere.
        if (p.finish() != null) {
            finished(s);
        } else {
            s.lastToken = p.token();
        }
        s.events.add(p);
        return p.finish() == null;
    }

    private void finished(Sequence s) {
        s.done = true;
        s.closeGenerator();
        stats.running(-1);
    }

    private void fail(Sequence s, RuntimeException e) {
        if (!s.done) {
            finished(s);
        }
        s.fail(e);
    }

    private void resetBatch() {
        if (batch != null) {
            batch.close();
            batch = null;
        }
        rows = new ArrayList<>();
    }

    private void failAll(RuntimeException e) {
        incoming.drainTo(waiting);
        for (Sequence s : waiting) {
            stats.waiting(-1);
            s.closeGenerator();
            s.fail(e);
        }
        waiting.clear();
        for (Sequence s : ready) {
            fail(s, e);
        }
        ready.clear();
        for (Sequence s : rows) {
            if (!s.done) {
                fail(s, e);
            }
        }
        resetBatch();
    }

    /** Stops taking sequences; the thread ends once the ones it has are finished (none, once leases are gone). */
    @Override
    public void close() {
        closed = true;
        try {
            thread.join(TimeUnit.SECONDS.toMillis(30));
            if (thread.isAlive()) {
                LOG.warnf("%s: decode scheduler still busy after 30 s; interrupting it", decoder.dir());
                thread.interrupt();
                thread.join(TimeUnit.SECONDS.toMillis(5));
            }
        } catch (InterruptedException e) {
            thread.interrupt();
            Thread.currentThread().interrupt();
        }
    }

    /** One request's sequence: the scheduler thread writes its state, the request thread reads its events. */
    private static final class Sequence {
        final int[] prompt;
        final TokenPicker picker;
        final LinkedBlockingQueue<Object> events = new LinkedBlockingQueue<>();
        volatile boolean cancelled;
        Generator generator;
        int fed;
        long lastToken;
        boolean done;

        Sequence(int[] prompt, TokenPicker picker) {
            this.prompt = prompt;
            this.picker = picker;
        }

        void fail(RuntimeException e) {
            events.add(e);
        }

        void closeGenerator() {
            if (generator != null) {
                generator.close();
                generator = null;
            }
        }

        Generated drain(TokenSink sink) {
            List<Float> lps = new ArrayList<>();
            while (true) {
                Object e;
                try {
                    e = events.take();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while generating", ie);
                }
                if (e instanceof RuntimeException failure) {
                    throw failure;
                }
                TokenPicker.Pick p = (TokenPicker.Pick) e;
                if (p.emits()) {
                    lps.add(p.logprob());
                    if (!sink.accept(p.token(), p.logprob(), p.top())) {
                        cancelled = true;
                        return Generated.of(Finish.STOP, lps);
                    }
                }
                if (p.finish() != null) {
                    return Generated.of(p.finish(), lps);
                }
            }
        }
    }
}
