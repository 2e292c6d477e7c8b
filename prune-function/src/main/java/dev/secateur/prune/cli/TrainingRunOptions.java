package dev.secateur.prune.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.function.Consumer;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What `train` (tools) and `recover` share: the text, the output folder, the optimiser loop, checkpointing, resuming,
 * the device and progress lines on stderr. Each command creates it with its own batch and learning rate (picocli shows
 * a field's initial value as its default), because training from scratch and fine-tuning a pruned model want different ones.
 */
public class TrainingRunOptions {
    @Spec(Spec.Target.MIXEE)
    CommandSpec command;

    @Option(names = "--text", required = true, description = "UTF-8 training text")
    Path text;

    @Option(names = "--out", required = true, description = "output model folder (created)")
    Path out;

    @Option(names = "--steps", required = true, description = "optimizer steps")
    int steps;

    @Option(names = "--seq-len", description = "training and evaluation window (default: ${DEFAULT-VALUE})")
    int seqLen = 128;

    @Option(names = "--batch", description = "windows per step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--lr", description = "peak learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--seed", description = "seed of the initialisation (train) and of the data order (default: ${DEFAULT-VALUE})")
    long seed = 1;

    @Option(names = "--checkpoint-every", description = "steps between checkpoints (default: ${DEFAULT-VALUE})")
    int checkpointEvery = 100;

    @Option(names = "--resume", description = "continue from OUT/checkpoints/latest")
    boolean resume;

    @Mixin
    DeviceOption device;

    public TrainingRunOptions(int batch, double lr) {
        this.batch = batch;
        this.lr = lr;
    }

    public Path text() {
        return text;
    }

    public Path out() {
        return out;
    }

    public int steps() {
        return steps;
    }

    public int seqLen() {
        return seqLen;
    }

    public int batch() {
        return batch;
    }

    public double lr() {
        return lr;
    }

    public long seed() {
        return seed;
    }

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
