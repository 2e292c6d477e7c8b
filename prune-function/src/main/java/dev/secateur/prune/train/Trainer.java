package dev.secateur.prune.train;

import dev.secateur.json.Json;
import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.checkpoint.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Causal-LM training on DJL autograd: for each step, a seeded batch of windows (see {@link TokenWindows}),
 * cross-entropy of the next tokens, backward, global-norm gradient clipping, an AdamW update with the
 * warm-up + cosine learning rate, and, every {@code checkpointEvery} steps and at the end, an atomic
 * checkpoint. {@link #run} resumes from the latest checkpoint when asked, continuing at the same step with the
 * same data order and optimizer state, so an interrupted run reproduces an uninterrupted one.
 */
public final class Trainer {
    private static final ObjectMapper JSON = Json.mapper();

    private final CausalLm model;
    private final TrainSettings settings;
    private final TokenWindows data;
    private final TrainCheckpoints checkpoints;
    private final Consumer<Progress> progress;

    /** Losses of the steps run by one call, and where it started and stopped. */
    public record Result(int startStep, int endStep, List<Double> losses, double seconds, double tokensPerSecond) {
        public double lastLoss() {
            return losses.isEmpty() ? Double.NaN : losses.get(losses.size() - 1);
        }
    }

    /**
     * @param checkpoints where to write (and resume from) checkpoints; null for none
     * @param progress receives a report every {@code logEvery} steps and at the last step
     */
    public Trainer(CausalLm model, TrainSettings settings, TokenWindows data, TrainCheckpoints checkpoints,
            Consumer<Progress> progress) {
        this.model = model;
        this.settings = settings;
        this.data = data;
        this.checkpoints = checkpoints;
        this.progress = progress == null ? p -> { } : progress;
        if (data.size() < settings.seqLen() + 1) {
            throw new IllegalArgumentException("the training text has " + data.size() + " tokens, fewer than one window of "
                    + (settings.seqLen() + 1) + " (sequence length + 1); use more text or a shorter --seq-len");
        }
    }

    public Result run(boolean resume) {
        return run(resume, settings.steps());
    }

    /**
     * Trains until step {@code stopAt} (exclusive, at most the configured steps); a smaller value simulates a
     * run that is killed after its last checkpoint.
     */
    public Result run(boolean resume, int stopAt) {
        Map<String, NDArray> params = model.parameters();
        if (params.isEmpty()) {
            throw new IllegalArgumentException("the model has no parameters to train");
        }
        Device device = params.values().iterator().next().getDevice();
        LrSchedule schedule = settings.schedule();
        int end = Math.min(stopAt, settings.steps());
        try (NDManager base = NDManager.newBaseManager(device);
                AdamW opt = new AdamW(base, settings.beta1(), settings.beta2(), settings.eps(), settings.weightDecay())) {
            params.values().forEach(p -> p.setRequiresGradient(true));
            int start = 0;
            List<Double> history = new ArrayList<>();
            if (resume && checkpoints != null) {
                Optional<TrainCheckpoints.Loaded> ck = checkpoints.loadLatest();
                if (ck.isPresent()) {
                    start = restore(ck.get(), params, opt, history);
                }
            }
            List<Double> losses = new ArrayList<>();
            long t0 = System.nanoTime();
            int tokensPerStep = settings.batch() * settings.seqLen();
            for (int step = start; step < end; step++) {
                double lr = schedule.at(step);
                double[] lossAndNorm = step(base, params, opt, step, lr);
                losses.add(lossAndNorm[0]);
                history.add(lossAndNorm[0]);
                int done = step + 1;
                double elapsed = (System.nanoTime() - t0) / 1e9;
                double perStep = elapsed / (done - start);
                if (done % Math.max(1, settings.logEvery()) == 0 || done == end || done == start + 1) {
                    progress.accept(new Progress(done, settings.steps(), lossAndNorm[0], lr, lossAndNorm[1],
                            tokensPerStep / perStep, perStep * (settings.steps() - done)));
                }
                boolean due = settings.checkpointEvery() > 0 && done % settings.checkpointEvery() == 0;
                if (checkpoints != null && (due || done == settings.steps())) {
                    save(done, params, opt, history);
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            params.values().forEach(p -> p.setRequiresGradient(false));
            return new Result(start, Math.max(start, end), losses, seconds,
                    losses.isEmpty() ? 0 : tokensPerStep * losses.size() / seconds);
        }
    }

    /** One update; returns {loss, gradient norm before clipping}. */
    private double[] step(NDManager base, Map<String, NDArray> params, AdamW opt, int step, double lr) {
        int span = settings.seqLen() + 1;
        try (NDManager sm = base.newSubManager()) {
            NDArray all = sm.create(data.batch(step, settings.batch(), settings.seqLen()), new Shape(settings.batch(), span));
            NDArray x = all.get(new NDIndex(":, 0:{}", settings.seqLen()));
            NDArray y = all.get(new NDIndex(":, 1:{}", span));
            NDArray loss;
            try (GradientCollector gc = base.getEngine().newGradientCollector()) {
                NDArray logits = model.logits(x);
                loss = Losses.crossEntropy(logits, y);
                gc.backward(loss);
            }
            double value = loss.getFloat();
            if (!Double.isFinite(value)) {
                throw new IllegalStateException("loss is " + value + " at step " + (step + 1)
                        + "; lower the learning rate (--lr) or check the model");
            }
            double norm = globalNorm(params, sm);
            double clip = settings.clipNorm();
            double scale = clip > 0 && norm > clip ? clip / (norm + 1e-6) : 1.0;
            opt.step(params, lr, scale);
            for (NDArray p : params.values()) {
                NDArray g = p.getGradient();
                g.attach(sm);
                g.muli(0);
            }
            return new double[] {value, norm};
        }
    }

    static double globalNorm(Map<String, NDArray> params, NDManager sm) {
        NDArray total = null;
        for (NDArray p : params.values()) {
            NDArray g = p.getGradient();
            g.attach(sm);
            NDArray s = g.toType(DataType.FLOAT32, false).square().sum();
            total = total == null ? s : total.addi(s);
        }
        return Math.sqrt(total.getFloat());
    }

    private void save(int done, Map<String, NDArray> params, AdamW opt, List<Double> history) {
        Map<String, Tensor> weights = new LinkedHashMap<>();
        params.forEach((k, a) -> weights.put(k, AdamW.tensor(a)));
        ObjectNode info = JSON.createObjectNode();
        info.put("seed", settings.seed());
        info.put("batch", settings.batch());
        info.put("seq_len", settings.seqLen());
        info.put("steps", settings.steps());
        info.put("lr", settings.lr());
        info.put("data_tokens", data.size());
        ObjectNode rng = info.putObject("rng");
        rng.put("generator", "SplittableRandom(splitmix(seed, step)) per step");
        rng.put("seed", settings.seed());
        rng.put("next_step", done);
        ArrayNode losses = info.putArray("losses");
        history.forEach(losses::add);
        checkpoints.save(new TrainCheckpoints.State(done, opt.updates(), info), weights, opt.state());
    }

    private int restore(TrainCheckpoints.Loaded ck, Map<String, NDArray> params, AdamW opt, List<Double> history) {
        ObjectNode info = ck.state().info();
        if (info.path("seed").asLong(settings.seed()) != settings.seed()
                || info.path("batch").asInt(settings.batch()) != settings.batch()
                || info.path("seq_len").asInt(settings.seqLen()) != settings.seqLen()
                || info.path("data_tokens").asInt(data.size()) != data.size()) {
            throw new IllegalArgumentException(checkpoints.dir() + ": the checkpoint was written with seed "
                    + info.path("seed").asText() + ", batch " + info.path("batch").asText() + ", seq-len "
                    + info.path("seq_len").asText() + " and " + info.path("data_tokens").asText()
                    + " data tokens; resume with the same settings and text (or start afresh without --resume)");
        }
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            Tensor t = ck.weights().get(e.getKey());
            if (t == null || t.numel() != e.getValue().getShape().size()) {
                throw new IllegalArgumentException(checkpoints.dir() + ": checkpoint has no weight '" + e.getKey()
                        + "' of shape " + e.getValue().getShape() + " (was it written by a different model?)");
            }
            e.getValue().set(t.data());
        }
        opt.load(ck.optimizer(), ck.state().optimizerUpdates(), params);
        info.path("losses").forEach(n -> history.add(n.asDouble()));
        return ck.state().step();
    }
}
