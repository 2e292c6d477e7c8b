package dev.secateur.prune.engine;

import dev.secateur.prune.plan.Allocation;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Perplexity after pruning, every criterion × {none, lsq}, on a real model (opt-in):
 * mvn -pl prune-function -am test -Dtest=CriteriaComparisonTest -Dcompare.model=/work/main/models/kjv-llama
 *   -Dcompare.calib=/work/main/data/kjv-calib.txt -Dcompare.eval=/work/main/data/kjv-valid.txt [-Dcompare.ratio=0.2]
 */
@EnabledIfSystemProperty(named = "compare.model", matches = ".+")
class CriteriaComparisonTest {
    @TempDir
    Path tmp;

    @Test
    void compare() throws Exception {
        Path model = Path.of(System.getProperty("compare.model"));
        Path calib = Path.of(System.getProperty("compare.calib"));
        Path eval = Path.of(System.getProperty("compare.eval"));
        double ratio = Double.parseDouble(System.getProperty("compare.ratio", "0.2"));
        String[] criteria = System.getProperty("compare.criteria", "random,magnitude,wanda-sp,flap,mi-pairwise,mi").split(",");
        CalibrationMode mode = CalibrationMode.parse(System.getProperty("compare.mode", "sequential"));
        StringBuilder table = new StringBuilder(String.format("FFN ratio %.2f, uniform, calibration 32 × 128 (%s), eval seq 128 on %s%n", ratio,
                mode.name().toLowerCase(java.util.Locale.ROOT), eval.getFileName()));
        for (String c : criteria) {
            for (String comp : new String[] {"none", "lsq"}) {
                PruneOptions o = PruneOptions.defaults(model, calib, tmp.resolve(c + "-" + comp));
                o = new PruneOptions(o.model(), null, calib, o.output(), 32, 128, 0, "cpu", c, ratio, null, null, null, Allocation.UNIFORM, 0.05,
                        comp, 1.0, 256, 4096, 1e-2, 8, mode, eval, 128, 16384);
                long t0 = System.nanoTime();
                PruneResult r = PrunePipeline.run(o, ProgressListener.NONE);
                String line = String.format("%-12s %-5s ppl %.3f → %.3f (×%.4f)  params %d → %d  score %.1f s, calibrate %.1f s, total %.1f s%n", c, comp,
                        r.perplexityBefore(), r.perplexityAfter(), r.perplexityAfter() / r.perplexityBefore(), r.parametersBefore(),
                        r.parametersAfter(), r.seconds().getOrDefault("score", 0.0), r.seconds().getOrDefault("calibrate", 0.0),
                        (System.nanoTime() - t0) / 1e9);
                System.out.print(line);
                table.append(line);
                Files.writeString(Path.of(System.getProperty("compare.out", "target/criteria-comparison.txt")), table.toString());
            }
        }
    }
}
