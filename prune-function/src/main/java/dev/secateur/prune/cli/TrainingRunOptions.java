package dev.secateur.prune.cli;

import java.io.PrintWriter;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** What `train` and `recover` share: checkpointing, resuming, the device, and progress lines on stderr. */
public class TrainingRunOptions {
    @Option(names = "--checkpoint-every", defaultValue = "100", description = "steps between checkpoints (default: ${DEFAULT-VALUE})")
    int checkpointEvery;

    @Option(names = "--resume", description = "continue from OUT/checkpoints/latest")
    boolean resume;

    @Option(names = "--device", defaultValue = "auto", description = "auto, cpu, cuda or cuda:N (default: ${DEFAULT-VALUE})")
    String device;

    /** Each progress line printed and flushed at once, so a long run shows where it is. */
    static Consumer<String> progressTo(PrintWriter err) {
        return line -> {
            err.println(line);
            err.flush();
        };
    }
}
