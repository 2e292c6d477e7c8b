package dev.secateur.prune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loop, optimizer and checkpoints on a model-independent bigram LM. */
class TrainerLoopTest {

    static int[] counting(int n, int vocab) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = i % vocab;
        }
        return t;
    }

    @Test
    void learnsCountingAndResumesExactly(@TempDir Path dir) {
        TrainSettings s = TrainSettings.of(16, 8, 60, 0.05, 3, 20).withLogEvery(1000);
        TokenWindows data = new TokenWindows(counting(5000, 17), 3);
        Trainer.Result full;
        try (BigramLm m = new BigramLm(17, 8, 1)) {
            full = new Trainer(m, s, data, null, null).run(false);
        }
        assertTrue(full.losses().get(0) > 2.0, "starts near ln 17: " + full.losses().get(0));
        assertTrue(full.lastLoss() < 0.3, "learns the successor: " + full.lastLoss());

        TrainCheckpoints ck = new TrainCheckpoints(dir.resolve("ck"));
        try (BigramLm m = new BigramLm(17, 8, 1)) {
            Trainer.Result first = new Trainer(m, s, data, ck, null).run(false, 45); // "killed" after step 45
            assertEquals(45, first.endStep());
        }
        List<Double> resumed;
        try (BigramLm m = new BigramLm(17, 8, 99)) { // different init: everything must come from the checkpoint
            Trainer.Result second = new Trainer(m, s, data, ck, null).run(true);
            assertEquals(40, second.startStep(), "resumes from the last checkpoint (step 40)");
            resumed = second.losses();
        }
        List<Double> expected = new ArrayList<>(full.losses().subList(40, 60));
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), resumed.get(i), 1e-6, "loss at step " + (41 + i));
        }
    }

    @Test
    void scheduleWarmsUpThenDecays() {
        LrSchedule s = new LrSchedule(1.0, 10, 110, 0.1);
        assertEquals(1.0 / 11, s.at(0), 1e-12);
        assertEquals(1.0, s.at(10), 1e-12);
        assertEquals(0.55, s.at(60), 1e-12);
        assertEquals(0.1, s.at(110), 1e-12);
        assertTrue(s.at(30) > s.at(31));
    }

    @Test
    void windowsDependOnlyOnSeedAndStep() {
        TokenWindows a = new TokenWindows(counting(1000, 50), 7);
        TokenWindows b = new TokenWindows(counting(1000, 50), 7);
        assertEquals(java.util.Arrays.toString(a.batch(5, 4, 8)), java.util.Arrays.toString(b.batch(5, 4, 8)));
        assertTrue(!java.util.Arrays.equals(a.batch(5, 4, 8), a.batch(6, 4, 8)));
    }
}
