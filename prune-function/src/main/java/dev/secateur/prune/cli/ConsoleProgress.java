package dev.secateur.prune.cli;

import dev.secateur.prune.job.JobProgress;
import java.io.PrintStream;
import java.util.Locale;

/** A progress bar per phase on the console: one line that redraws while a phase runs, then stays. */
final class ConsoleProgress implements JobProgress {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private String phase;

    ConsoleProgress(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized void report(String phase, double percent, String message) {
        if (this.phase != null && !this.phase.equals(phase)) {
            out.println();
        }
        this.phase = phase;
        int filled = (int) Math.round(Math.max(0, Math.min(100, percent)) / 100 * WIDTH);
        out.printf(Locale.ROOT, "\r%-11s [%s%s] %3.0f%% %6.1fs %s", phase, "#".repeat(filled), " ".repeat(WIDTH - filled), percent,
                (System.nanoTime() - start) / 1e9, message == null ? "" : message);
        if (percent >= 100) {
            out.println();
        }
        out.flush();
    }
}
