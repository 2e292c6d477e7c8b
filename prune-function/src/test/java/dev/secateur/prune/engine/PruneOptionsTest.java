package dev.secateur.prune.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.secateur.events.Allocation;
import dev.secateur.events.PruneRequest;
import dev.secateur.model.SparsityPattern;
import dev.secateur.model.TargetShape;
import dev.secateur.prune.plan.MaskSettings;
import dev.secateur.prune.sparsity.SparsityTarget;
import java.lang.reflect.RecordComponent;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The one way to make {@link PruneOptions}: its defaults, its refusals naming the request field, and copies that lose nothing. */
class PruneOptionsTest {
    static final Path MODEL = Path.of("model"), TEXT = Path.of("calib.txt"), OUT = Path.of("out");

    static PruneOptions.Builder base() {
        return PruneOptions.builder(MODEL, TEXT, OUT);
    }

    @Test
    void defaultsAreTheRequestDefaults() {
        PruneOptions o = base().build();
        assertEquals(PruneRequest.DEFAULT_SAMPLES, o.samples());
        assertEquals(PruneRequest.DEFAULT_SEQ_LEN, o.seqLen());
        assertEquals(PruneRequest.DEFAULT_EVAL_SEQ_LEN, o.evalSeqLen());
        assertEquals(PruneRequest.DEFAULT_METHOD.json(), o.criterion());
        assertEquals(PruneRequest.DEFAULT_FFN_RATIO, o.ffnRatio());
        assertEquals(PruneRequest.DEFAULT_COMPENSATION.json(), o.compensation());
        assertEquals(PruneRequest.DEFAULT_ALLOCATION.name(), o.allocation().name());
        assertEquals(PruneRequest.DEFAULT_KERNEL_SCALE, o.kernelScale());
        assertEquals(PruneRequest.DEFAULT_MI_TOKENS, o.miTokens());
        assertEquals(CalibrationMode.parse(PruneRequest.DEFAULT_CALIBRATION_MODE), o.calibrationMode());
        assertEquals(PruneSchedule.ONE_SHOT, o.schedule());
        assertEquals(MODEL.resolve("tokenizer.json"), o.tokenizerPath());
    }

    /** As in the request: a sparsity method, a parameter budget or a target shape takes no default FFN ratio, a sparsity method no refit. */
    @Test
    void theFfnRatioAndCompensationDefaultsFollowTheMethod() {
        PruneOptions sparse = base().criterion("wanda").sparsity(new SparsityTarget(0.5, SparsityPattern.UNSTRUCTURED)).build();
        assertNull(sparse.ffnRatio());
        assertEquals("none", sparse.compensation());
        assertNull(base().criterion("mask-opt").mask(maskWithParamRatio()).build().ffnRatio());
        assertNull(base().targetShape(TargetShape.parse("ffn=48")).build().ffnRatio());
        // a ratio set to null stays null: no target at all
        assertNull(base().ffnRatio(null).headRatio(0.25).build().ffnRatio());
    }

    static Stream<Arguments> badOptions() {
        SparsityTarget half = new SparsityTarget(0.5, SparsityPattern.UNSTRUCTURED);
        return Stream.of(
                bad("source", b -> b.model(null)),
                bad("calibration", b -> b.calibration(null)),
                bad("samples", b -> b.samples(0)),
                bad("seqLen", b -> b.seqLen(-1)),
                bad("evalSeqLen", b -> b.evalSeqLen(1)),
                bad("evalMaxTokens", b -> b.evalMaxTokens(-1)),
                bad("method", b -> b.criterion("obs")),
                bad("compensation", b -> b.compensation("obs")),
                bad("ffnRatio", b -> b.ffnRatio(1.0)),
                bad("ffnRatio", b -> b.ffnRatio(Double.NaN)),
                bad("headRatio", b -> b.headRatio(-0.1)),
                bad("dropLayers", b -> b.layerRatio(1.5)),
                bad("miThreshold", b -> b.threshold(-1.0)),
                bad("miThreshold", b -> b.criterion("magnitude").threshold(0.5)),
                bad("minKeep", b -> b.minKeep(1)),
                bad("kernelScale", b -> b.kernelScale(0)),
                bad("miTokens", b -> b.miTokens(1)),
                bad("maxTokens", b -> b.maxTokens(0)),
                bad("ridge", b -> b.ridge(Double.POSITIVE_INFINITY)),
                bad("batchSize", b -> b.batchSize(0)),
                bad("calibrationMode", b -> b.calibrationMode(null)),
                bad("schedule", b -> b.schedule(null)),
                bad("taylor", b -> b.criterion("taylor").taylor("foo")),
                bad("taylor", b -> b.criterion("flap").taylor("vector")),
                bad("taylor", b -> b.criterion("fusion").taylor("vector")),
                bad("sparsity", b -> b.criterion("wanda")),
                bad("sparsity", b -> b.criterion("mi").sparsity(half)),
                bad("compensation", b -> b.criterion("sparsegpt").sparsity(half).compensation("lsq")),
                bad("headRatio", b -> b.criterion("wanda").sparsity(half).headRatio(0.25)),
                bad("method", b -> b.criterion("mi").mask(MaskSettings.defaults())),
                bad("headRatio", b -> b.criterion("mask-opt").headRatio(0.25)),
                bad("dropLayers", b -> b.criterion("mask-opt").layerRatio(0.25)),
                bad("paramRatio", b -> b.criterion("mask-opt").mask(maskWithParamRatio()).ffnRatio(0.2)),
                bad("ffnRatio", b -> b.criterion("mask-opt").ffnRatio(null)),
                bad("maskSelect", b -> b.criterion("mask-opt").mask(MaskSettings.defaults().withSelect("theta"))),
                bad("maskSelect", b -> b.criterion("mask-opt").mask(MaskSettings.defaults().withSelect(null))),
                bad("targetShape", b -> b.criterion("wanda").sparsity(half).targetShape(TargetShape.parse("ffn=48"))),
                bad("ffnRatio", b -> b.targetShape(TargetShape.parse("ffn=48")).ffnRatio(0.3)),
                bad("dropLayers", b -> b.targetShape(TargetShape.parse("ffn=48")).layerRatio(0.5)),
                bad("method", b -> b.criterion("mask-opt").targetShape(TargetShape.parse("ffn=48"))),
                bad("targetShape", b -> b.targetShape(TargetShape.parse("hidden=16")).calibrationMode(CalibrationMode.DENSE)),
                bad("targetShape", b -> b.criterion("taylor").targetShape(TargetShape.parse("hidden=16"))),
                bad("schedule", b -> b.criterion("mask-opt").schedule(PruneSchedule.adaptive(3, 0))),
                bad("schedule", b -> b.criterion("wanda").sparsity(half).schedule(PruneSchedule.adaptive(3, 0))),
                bad("schedule", b -> b.ffnRatio(null).targetShape(TargetShape.parse("ffn=48")).schedule(PruneSchedule.adaptive(3, 0))),
                bad("dropLayers", b -> b.layerRatio(0.5).schedule(PruneSchedule.adaptive(3, 0))),
                bad("miThreshold", b -> b.threshold(0.5).schedule(PruneSchedule.adaptive(3, 0))),
                bad("ffnRatio", b -> b.ffnRatio(0.0).schedule(PruneSchedule.adaptive(3, 0))),
                bad("ffnRatio", b -> b.criterion("magnitude").ratios(null, null, null)),
                bad("allocation", b -> b.criterion("wanda-sp").allocation(Allocation.GLOBAL_ERROR)),
                bad("maskInit", b -> b.criterion("mask-opt").allocation(Allocation.GLOBAL).mask(new MaskSettings(40, 8, 0.1, "mi-error", 4, 0.2)
                        .withStructures(java.util.EnumSet.of(dev.secateur.prune.plan.MaskStructure.FFN, dev.secateur.prune.plan.MaskStructure.KV_GROUPS)))),
                bad("allocation", b -> b.criterion("mask-opt").mask(maskWithParamRatio()).allocation(Allocation.GLOBAL_ERROR)));
    }

    private static Arguments bad(String field, UnaryOperator<PruneOptions.Builder> change) {
        return Arguments.of(field, change);
    }

    @ParameterizedTest(name = "{0} #{index}")
    @MethodSource("badOptions")
    void eachBadValueIsRefusedNamingItsRequestField(String field, UnaryOperator<PruneOptions.Builder> change) {
        InvalidOptionException e = assertThrows(InvalidOptionException.class, () -> change.apply(base()).build());
        assertEquals(field, e.field(), e.getMessage());
        assertEquals(field + ": " + e.reason(), e.getMessage());
    }

    @Test
    void scheduleStepsOutOfRangeAreRefusedNamingTheirField() {
        assertEquals("scheduleSteps", assertThrows(InvalidOptionException.class, () -> PruneSchedule.adaptive(1, 0)).field());
        assertEquals("recoverSteps", assertThrows(InvalidOptionException.class, () -> PruneSchedule.adaptive(3, -1)).field());
    }

    /**
     * No field can be both set away from its default and valid in one run (a sparsity has no FFN ratio, a mask no target
     * shape), so several runs together set every field; each must come back equal from a copy through toBuilder().
     */
    @Test
    void aCopyThroughToBuilderKeepsEveryField() {
        PruneOptions defaults = base().build();
        List<PruneOptions> runs = List.of(
                base().model(Path.of("other-model")).tokenizer(Path.of("tok.json")).calibration(Path.of("other.txt")).output(Path.of("o2"))
                        .samples(4).seqLen(16).seed(7).device("cpu").criterion("fusion").taylor("second-order").ratios(0.3, 0.25, 0.1)
                        .allocation(Allocation.GLOBAL).minKeep(0.1).compensation("bias").kernelScale(2).miTokens(64).maxTokens(100)
                        .ridge(0.5).batchSize(2).calibrationMode(CalibrationMode.DENSE).evalText(Path.of("eval.txt")).evalSeqLen(32)
                        .evalMaxTokens(99).build(),
                base().criterion("mi").threshold(0.5).build(),
                base().criterion("mi").allocation(Allocation.GLOBAL_ERROR).build(),
                base().criterion("sparsegpt").sparsity(new SparsityTarget(0.5, SparsityPattern.parse("2:4"))).build(),
                base().criterion("mask-opt").mask(maskWithParamRatio()).build(),
                base().criterion("magnitude").targetShape(TargetShape.parse("layers=1,ffn=48")).build(),
                base().schedule(PruneSchedule.adaptive(4, 2)).build());
        Set<String> changed = new TreeSet<>();
        for (PruneOptions o : runs) {
            assertEquals(o, o.toBuilder().build());
            for (RecordComponent c : PruneOptions.class.getRecordComponents()) {
                if (!Objects.equals(value(c, o), value(c, defaults))) {
                    changed.add(c.getName());
                }
            }
        }
        Set<String> all = new TreeSet<>(Stream.of(PruneOptions.class.getRecordComponents()).map(RecordComponent::getName).toList());
        assertEquals(all, changed, "every field is set away from its default by one of the runs");
    }

    @Test
    void aChangedCopyChangesOnlyWhatItSets() {
        PruneOptions o = base().samples(4).seqLen(16).criterion("taylor").taylor("vector").ratios(0.25, 0.5, null).build();
        PruneOptions step = o.toBuilder().output(Path.of("step-1")).ratios(0.1, null, null).build();
        assertEquals(Path.of("step-1"), step.output());
        assertEquals(0.1, step.ffnRatio());
        assertNull(step.headRatio());
        assertEquals(o.toBuilder().output(Path.of("step-1")).ratios(0.1, null, null).build(), step);
        assertNotEquals(o, step);
        assertEquals("vector", step.taylor());
        assertEquals(4, step.samples());
    }

    @Test
    void aRunOfThePipelineIsOneStep() {
        PruneOptions adaptive = base().schedule(PruneSchedule.adaptive(3, 0)).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PrunePipeline.run(adaptive, ProgressListener.NONE));
        assertTrue(e.getMessage().contains("ScheduledPruning"), e.getMessage());
    }

    /** Only the builder calls the canonical constructor, so that no caller lists the fields by position (and drops one on a merge). */
    @Test
    void noSourceOutsidePruneOptionsCallsItsConstructor() throws java.io.IOException {
        List<Path> callers = new java.util.ArrayList<>();
        for (Path root : List.of(Path.of("src/main/java"), Path.of("src/test/java"))) {
            try (Stream<Path> files = java.nio.file.Files.walk(root)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.endsWith(Path.of("engine", "PruneOptions.java"))).toList()) {
                    if (java.nio.file.Files.readString(f).contains("new PruneOptions" + "(")) {
                        callers.add(f);
                    }
                }
            }
        }
        assertEquals(List.of(), callers);
    }

    private static MaskSettings maskWithParamRatio() {
        MaskSettings d = MaskSettings.defaults();
        return new MaskSettings(d.iterations(), d.samples(), d.learningRate(), d.init(), d.windows(), 0.3);
    }

    private static Object value(RecordComponent c, PruneOptions o) {
        try {
            return c.getAccessor().invoke(o);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }
}
