package dev.secateur.prune.engine;

import dev.secateur.checkpoint.ConfigReader;
import dev.secateur.model.EncoderWeights;
import dev.secateur.model.LayerSizes;
import dev.secateur.model.StreamedCheckpoint;
import dev.secateur.prune.calibration.CalibrationText;
import dev.secateur.prune.plan.LayerPlan;
import dev.secateur.prune.plan.PlanComposition;
import dev.secateur.prune.plan.PruningPlan;
import dev.secateur.prune.train.RecoverJob;
import dev.secateur.store.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A run under a {@link PruneSchedule}: one-shot is {@link PrunePipeline#run} as it is; adaptive is one {@link PrunePipeline#run}
 * per step ({@link ScheduleSteps}: front-loaded ratios that add up to exactly the one-shot run's units), each re-calibrated on
 * the previous step's pruned checkpoint, so memory stays one block per step, with {@link RecoverJob} on the calibration text
 * between steps when asked. Step checkpoints live under the output's {@code .partial} folder and are removed as soon as the
 * next step has read them; the last step's folder takes the output's place with a plan.json whose kept indices are composed
 * into indices of the original model. The CLI and the service both come through here.
 */
public final class ScheduledPruning {
    // recovery between steps: the recover command's batch and 3e-5, because at 3e-4 (the command's first default) the demo
    // model's loss went to NaN after 46 steps on the calibration text (docs/benchmarks/adaptive-schedule.md)
    static final int RECOVER_BATCH = 8;
    static final double RECOVER_LR = 3e-5;

    private ScheduledPruning() {
    }

    /** What a scheduled run produced: the final model's result and, for adaptive, every step. */
    public record Outcome(PruneResult result, ScheduleRecord schedule) {
    }

    /**
     * The steps of an adaptive run, for report.json.
     *
     * @param stepsRequested steps asked for; stepsRun may be fewer when the totals are too short to split that far
     */
    public record ScheduleRecord(String schedule, String formula, String allocation, int stepsRequested, int stepsRun, int recoverSteps,
            List<StepRecord> steps) {
    }

    /**
     * One step. Perplexity, agreement and cosine compare the step's output with the step's input (the previous step's, or the
     * recovered, model).
     *
     * @param ffnUnits FFN neurons removed per layer (uniform) or in the model (global); kvGroups likewise
     * @param recover the recovery after this step, or null
     */
    public record StepRecord(int step, Double ffnRatio, Double headRatio, int ffnUnits, int kvGroups, List<LayerSizes> layerSizes,
            long parametersAfter, Double perplexityBefore, Double perplexityAfter, Double top1Agreement, Double klDivergenceNats,
            Double meanCosine, double wallSeconds, Map<String, Double> seconds, RecoverRecord recover) {
    }

    /**
     * A recovery between steps. Its perplexity is on the last 5 % of the calibration text, held out of its training: two
     * passes over a small slice rather than over the whole evaluation text, whose figures the step records carry anyway.
     */
    public record RecoverRecord(int steps, double perplexityBefore, double perplexityAfter, int seqLen, double seconds) {
    }

    /**
     * Refuses, before anything heavy runs, what the schedule cannot do on this model (its layers' widths, an encoder's
     * missing language-model loss); what it cannot do with the options alone they refused when they were built.
     */
    public static void check(PruneOptions o) {
        PruneSchedule schedule = o.schedule();
        if (!schedule.adaptive()) {
            return;
        }
        if (schedule.recoverSteps() > 0 && !ConfigReader.read(o.model()).architecture().isDecoder()) {
            throw new InvalidOptionException("recoverSteps", "recovery fine-tunes on a language-model loss, which an encoder has not; give 0");
        }
        ScheduleSteps.of(sizes(o.model()), o, schedule.steps());
    }

    public static Outcome run(PruneOptions o, ProgressListener listener) {
        PruneSchedule schedule = o.schedule();
        if (!schedule.adaptive()) {
            return new Outcome(PrunePipeline.run(o, listener), null);
        }
        check(o);
        Path out = o.output();
        Path work = out.resolveSibling(out.getFileName() + ".partial");
        PrunePipeline.requireReplaceable(out);
        AtomicFiles.deleteRecursively(work);
        try {
            Files.createDirectories(work);
            Outcome outcome = steps(o, schedule, work, listener);
            PrunePipeline.replace(outcome.result().output(), out);
            AtomicFiles.deleteRecursively(work);
            listener.progress("save", 1, "wrote " + out);
            PruneResult r = outcome.result();
            return new Outcome(new PruneResult(out, r.plan(), r.parametersBefore(), r.parametersAfter(), r.perplexityBefore(), r.perplexityAfter(),
                    r.evalSeqLen(), r.seconds(), r.peakActivationBytes(), r.device(), null, null, List.of()), outcome.schedule());
        } catch (IOException e) {
            AtomicFiles.tryDeleteRecursively(work);
            throw new UncheckedIOException("cannot write the schedule's steps under " + work + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            AtomicFiles.tryDeleteRecursively(work);
            throw e;
        }
    }

    private static Outcome steps(PruneOptions o, PruneSchedule schedule, Path work, ProgressListener listener) throws IOException {
        List<ScheduleSteps.Step> steps = ScheduleSteps.of(sizes(o.model()), o, schedule.steps());
        int n = steps.size();
        Path recoverText = schedule.recoverSteps() > 0 ? writeRecoverText(o.calibration(), work) : null;
        Path input = o.model();
        PruneResult first = null, last = null;
        PruningPlan composed = null;
        Map<String, Double> seconds = new LinkedHashMap<>();
        long peak = 0;
        List<StepRecord> records = new ArrayList<>();
        for (ScheduleSteps.Step step : steps) {
            int s = step.step();
            Path stepOut = work.resolve("step-" + s);
            long t0 = System.nanoTime();
            PruneOptions so = o.toBuilder().model(input).output(stepOut).ratios(step.ffnRatio(), step.headRatio(), null)
                    .schedule(PruneSchedule.ONE_SHOT).build();
            PruneResult r = PrunePipeline.run(so, within(listener, s, n));
            double wall = (System.nanoTime() - t0) / 1e9;
            r.seconds().forEach((k, v) -> seconds.merge(k, v, Double::sum));
            peak = Math.max(peak, r.peakActivationBytes());
            composed = composed == null ? r.plan() : PlanComposition.then(composed, r.plan(), r.plan().settings());
            if (first == null) {
                first = r;
            }
            last = r;
            removeStepInput(input, o.model());
            input = stepOut;
            RecoverRecord recovered = null;
            if (schedule.recoverSteps() > 0 && s < n) {
                Path tuned = work.resolve("step-" + s + "-recovered");
                long tr = System.nanoTime();
                RecoverJob.Report rep = RecoverJob.run(new RecoverJob.Options(stepOut, recoverText, null, tuned, schedule.recoverSteps(),
                        o.seqLen(), RECOVER_BATCH, RECOVER_LR, o.seed(), 0, false, o.device()),
                        line -> listener.progress("prune", (double) s / n, "step " + s + "/" + n + " recover: " + line));
                double rs = (System.nanoTime() - tr) / 1e9;
                seconds.merge("recover", rs, Double::sum);
                recovered = new RecoverRecord(schedule.recoverSteps(), rep.pplBefore(), rep.pplAfter(), rep.seqLen(), rs);
                removeStepInput(stepOut, o.model());
                input = tuned;
            }
            records.add(new StepRecord(s, step.ffnRatio(), step.headRatio(), step.ffnUnits(), step.kvGroups(), sizesOf(r.plan()), r.parametersAfter(),
                    finite(r.perplexityBefore()), finite(r.perplexityAfter()), r.agreement() == null ? null : r.agreement().top1(),
                    r.agreement() == null ? null : r.agreement().klDivergence(), r.fidelity() == null ? null : r.fidelity().meanCosine(),
                    wall, r.seconds(), recovered));
        }
        Map<String, String> settings = new LinkedHashMap<>(first.plan().settings());
        settings.put("ffn", o.ffnRatio() == null ? "none" : o.ffnRatio().toString());
        settings.put("heads", o.headRatio() == null ? "none" : o.headRatio().toString());
        settings.put("schedule", "adaptive");
        settings.put("schedule.steps", Integer.toString(n));
        settings.put("schedule.recoverSteps", Integer.toString(schedule.recoverSteps()));
        for (StepRecord r : records) {
            settings.put("schedule.step" + r.step(), String.format(Locale.ROOT, "ffnRatio %s headRatio %s, %.1f s, perplexity %s -> %s%s",
                    r.ffnRatio(), r.headRatio(), r.wallSeconds(), r.perplexityBefore(), r.perplexityAfter(),
                    r.recover() == null ? "" : String.format(Locale.ROOT, ", recovered %d steps: %.4f -> %.4f", r.recover().steps(),
                            r.recover().perplexityBefore(), r.recover().perplexityAfter())));
        }
        PruningPlan plan = new PruningPlan(composed.numLayers(), composed.layers(), composed.droppedLayers(), settings);
        plan.write(last.output().resolve("plan.json"));
        PruneResult result = new PruneResult(last.output(), plan, first.parametersBefore(), last.parametersAfter(), first.perplexityBefore(),
                last.perplexityAfter(), o.evalSeqLen(), seconds, peak, last.device(), null, null, List.of());
        return new Outcome(result, new ScheduleRecord("adaptive", FORMULA, o.allocation().name().toLowerCase(Locale.ROOT), schedule.steps(), n,
                schedule.recoverSteps(), records));
    }

    static final String FORMULA = "step s of N keeps (1 - K/U)^((N - s + 1) / (N (N + 1) / 2)) of the units it starts from, rounded so that"
            + " the steps remove exactly K of U units (per layer, or over the model under global allocation) with non-increasing ratios";

    /** A step's progress as a share of the whole run: stage "prune" from (s − 1)/n to s/n, messages naming the step. */
    private static ProgressListener within(ProgressListener listener, int s, int n) {
        return (stage, fraction, message) -> {
            double inStep = switch (stage) {
                case "prune" -> fraction;
                case "eval", "save" -> 1;
                default -> 0;
            };
            listener.progress("prune", (s - 1 + inStep) / n, "step " + s + "/" + n + " " + stage + ": " + message);
        };
    }

    /** Intermediate checkpoints go as soon as the next run has read them; the caller's model never. */
    private static void removeStepInput(Path input, Path original) {
        if (!input.equals(original)) {
            AtomicFiles.tryDeleteRecursively(input);
        }
    }

    /** Recovery trains on the calibration text as the engine reads it (a JSONL file's documents, not its JSON). */
    private static Path writeRecoverText(Path calibration, Path work) throws IOException {
        Path text = work.resolve("recover-text.txt");
        Files.writeString(text, CalibrationText.read(calibration), StandardCharsets.UTF_8);
        return text;
    }

    private static List<LayerSizes> sizes(Path model) {
        if (!ConfigReader.read(model).architecture().isDecoder()) {
            return EncoderWeights.load(model).layerSizes();
        }
        try (StreamedCheckpoint ckpt = StreamedCheckpoint.open(model)) {
            return ckpt.layerSizes();
        }
    }

    private static List<LayerSizes> sizesOf(PruningPlan plan) {
        return plan.layers().stream().map((LayerPlan l) -> new LayerSizes(l.keptHeads().length, l.keptKvGroups().length, l.keptFfn().length)).toList();
    }

    private static Double finite(double v) {
        return Double.isFinite(v) ? v : null;
    }
}
