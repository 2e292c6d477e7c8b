package dev.secateur.prune.engine;

import dev.secateur.events.Allocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Perplexity after pruning, every criterion × {none, lsq} × FFN ratio × calibration seed, on a real model (opt-in;
 * scripts/bench-kjv.sh runs it):
 * mvn -B -pl shared,prune-function -am test -Dtest=CriteriaComparisonTest -Dsurefire.failIfNoSpecifiedTests=false
 *   -Dcompare.model=$PWD/models/kjv-llama -Dcompare.calib=$PWD/data/kjv-calib.txt -Dcompare.eval=$PWD/data/kjv-valid.txt
 *   [-Dcompare.ratios=0.1,0.2] [-Dcompare.seeds=0,1,2] [-Dcompare.criteria=...] [-Dcompare.out=target/criteria.md]
 * Every run appends one line to compare.out + ".runs.tsv"; the markdown table (mean ± sample standard deviation over
 * seeds, per ratio) is rewritten after every run, so an interrupted benchmark still leaves what it measured.
 */
@EnabledIfSystemProperty(named = "compare.model", matches = ".+")
class CriteriaComparisonTest {
    @TempDir
    Path tmp;

    /** One prune run's figures. */
    record Run(String criterion, String compensation, double ratio, long seed, double before, double after, double scoreSeconds,
            double totalSeconds) {
        double ratioToDense() {
            return after / before;
        }
    }

    @Test
    void compare() throws Exception {
        Path model = Path.of(System.getProperty("compare.model"));
        Path calib = Path.of(System.getProperty("compare.calib"));
        Path eval = Path.of(System.getProperty("compare.eval"));
        List<Double> ratios = list(System.getProperty("compare.ratios", System.getProperty("compare.ratio", "0.2"))).stream()
                .map(Double::parseDouble).toList();
        List<Long> seeds = list(System.getProperty("compare.seeds", "0")).stream().map(Long::parseLong).toList();
        List<String> criteria = list(System.getProperty("compare.criteria", "random,magnitude,wanda-sp,flap,mi-pairwise,mi"));
        List<String> comps = list(System.getProperty("compare.compensation", "none,lsq"));
        int samples = Integer.getInteger("compare.samples", 32), seqLen = Integer.getInteger("compare.seqLen", 128);
        long evalTokens = Long.getLong("compare.evalTokens", 16384);
        int evalSeqLen = Integer.getInteger("compare.evalSeqLen", 128);
        double ridge = Double.parseDouble(System.getProperty("compare.ridge", "1e-2"));
        CalibrationMode mode = CalibrationMode.parse(System.getProperty("compare.mode", "sequential"));
        Path out = Path.of(System.getProperty("compare.out", "target/criteria-comparison.md"));
        Path tsv = out.resolveSibling(out.getFileName() + ".runs.tsv");
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(tsv, "criterion\tcompensation\tffnRatio\tseed\tpplBefore\tpplAfter\tratio\tscoreSeconds\ttotalSeconds\n");
        String header = String.format(Locale.ROOT, "Calibration %d × %d tokens (%s, seeds %s), ridge %s, uniform allocation unless @global, evaluation seq %d on the first %d tokens of %s",
                samples, seqLen, mode.name().toLowerCase(Locale.ROOT), seeds, ridge, evalSeqLen, evalTokens, eval.getFileName());
        List<Run> runs = new ArrayList<>();
        int i = 0;
        // seeds outermost, so that an interrupted run has every ratio and criterion for the seeds it finished
        for (long seed : seeds) {
            for (double ratio : ratios) {
                for (String c : criteria) {
                    for (String comp : comps) {
                        PruneOptions o = PruneOptions.builder(model, calib, tmp.resolve("run" + i++)).samples(samples).seqLen(seqLen).seed(seed)
                                .device("cpu").criterion(method(c)).ratios(ratio, null, null).allocation(allocation(c)).compensation(comp)
                                .miTokens(256).maxTokens(4096).ridge(ridge).batchSize(8).calibrationMode(mode).evalText(eval).evalSeqLen(evalSeqLen)
                                .evalMaxTokens(evalTokens).taylor(taylor(c)).build();
                        long t0 = System.nanoTime();
                        PruneResult r = PrunePipeline.run(o, ProgressListener.NONE);
                        Run run = new Run(c, comp, ratio, seed, r.perplexityBefore(), r.perplexityAfter(), r.seconds().getOrDefault("score", 0.0)
                                        // the backward pass of taylor and fusion and the statistics pass of global allocation are scoring too
                                        + r.seconds().getOrDefault("gradients", 0.0) + r.seconds().getOrDefault("stats", 0.0),
                                (System.nanoTime() - t0) / 1e9);
                        runs.add(run);
                        String line = String.format(Locale.ROOT, "%s\t%s\t%.2f\t%d\t%.4f\t%.4f\t%.6f\t%.2f\t%.2f%n", c, comp, ratio, seed, run.before(),
                                run.after(), run.ratioToDense(), run.scoreSeconds(), run.totalSeconds());
                        System.out.print(line);
                        Files.writeString(tsv, line, java.nio.file.StandardOpenOption.APPEND);
                        Files.writeString(out, header + "\n\n" + table(runs, criteria, comps, ratios));
                        deleteQuietly(o.output());
                    }
                }
            }
        }
    }

    /** A criterion entry is METHOD[:TAYLOR][@ALLOCATION], e.g. taylor:second-order@global; allocation uniform unless given. */
    static String method(String entry) {
        return entry.split("[:@]")[0];
    }

    static String taylor(String entry) {
        String m = entry.split("@")[0];
        return m.contains(":") ? m.substring(m.indexOf(':') + 1) : null;
    }

    static Allocation allocation(String entry) {
        return entry.contains("@") ? Allocation.fromJson(entry.substring(entry.indexOf('@') + 1)) : Allocation.UNIFORM;
    }

    /** Per ratio: criterion rows, per compensation mean ± sd of the perplexity ratio; the best mean and its ties marked. */
    static String table(List<Run> runs, List<String> criteria, List<String> comps, List<Double> ratios) {
        StringBuilder b = new StringBuilder();
        for (double ratio : ratios) {
            b.append(String.format(Locale.ROOT, "### %.0f %% of FFN neurons%n%n| criterion |", ratio * 100));
            for (String comp : comps) {
                b.append(" ").append(comp).append(" (ppl ratio, mean ± sd) |");
            }
            b.append(" scoring s (mean of all its runs) | wall s per run (mean) |\n|---|");
            b.append("---:|".repeat(comps.size())).append("---:|---:|\n");
            Map<String, double[]> stats = new LinkedHashMap<>(); // criterion|comp → {mean, sd, n, score}
            for (String c : criteria) {
                for (String comp : comps) {
                    List<Run> cell = runs.stream().filter(r -> r.ratio() == ratio && r.criterion().equals(c) && r.compensation().equals(comp)).toList();
                    if (!cell.isEmpty()) {
                        stats.put(c + "|" + comp, meanSd(cell));
                    }
                }
            }
            for (String c : criteria) {
                if (comps.stream().noneMatch(comp -> stats.containsKey(c + "|" + comp))) {
                    continue;
                }
                b.append("| ").append(c).append(" |");
                double score = runs.stream().filter(r -> r.ratio() == ratio && r.criterion().equals(c)).mapToDouble(Run::scoreSeconds).average().orElse(0);
                for (String comp : comps) {
                    double[] s = stats.get(c + "|" + comp);
                    if (s == null) {
                        b.append(" |");
                        continue;
                    }
                    String mark = mark(stats, comp, s);
                    b.append(String.format(Locale.ROOT, " %s×%.5f ± %.5f%s (n=%d) |", mark, s[0], s[1], mark, (int) s[2]));
                }
                double wall = runs.stream().filter(r -> r.ratio() == ratio && r.criterion().equals(c)).mapToDouble(Run::totalSeconds).average().orElse(0);
                b.append(String.format(Locale.ROOT, " %.1f | %.1f |%n", score, wall));
            }
            b.append('\n');
        }
        b.append("Bold: the lowest mean in its column, and every mean within max(sd of the two) of it (a tie).\n");
        return b.toString();
    }

    private static String mark(Map<String, double[]> stats, String comp, double[] s) {
        double[] best = stats.entrySet().stream().filter(e -> e.getKey().endsWith("|" + comp)).map(Map.Entry::getValue)
                .min((x, y) -> Double.compare(x[0], y[0])).orElseThrow();
        return s[0] - best[0] <= Math.max(s[1], best[1]) ? "**" : "";
    }

    private static double[] meanSd(List<Run> cell) {
        double m = cell.stream().mapToDouble(Run::ratioToDense).average().orElseThrow();
        double ss = cell.stream().mapToDouble(r -> (r.ratioToDense() - m) * (r.ratioToDense() - m)).sum();
        double sd = cell.size() > 1 ? Math.sqrt(ss / (cell.size() - 1)) : 0;
        return new double[] {m, sd, cell.size(), cell.stream().mapToDouble(Run::scoreSeconds).average().orElse(0)};
    }

    private static List<String> list(String csv) {
        return java.util.Arrays.stream(csv.split(",")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static void deleteQuietly(Path dir) {
        dev.secateur.store.AtomicFiles.deleteRecursively(dir);
    }
}
