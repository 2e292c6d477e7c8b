package dev.secateur.prune.cli;

import java.io.PrintWriter;
import java.util.function.Consumer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What `train` (tools) and `recover` share: checkpointing, resuming, the device and progress lines on stderr. */
public class TrainingRunOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--checkpoint-every", defaultValue = "100", description = "steps between checkpoints (default: ${DEFAULT-VALUE})")
    int checkpointEvery;

    @Option(names = "--resume", description = "continue from OUT/checkpoints/latest")
    boolean resume;

    @Mixin
    DeviceOption device;

    public int checkpointEvery() {
        return checkpointEvery;
    }

    public boolean resume() {
        return resume;
    }

    public String device() {
        return device.name;
    }

    /** Each progress line printed on the command's stderr and flushed at once, so a long run shows where it is. */
    public Consumer<String> progress() {
        PrintWriter err = command.commandLine().getErr();
        return line -> {
            err.println(line);
            err.flush();
        };
    }
}
