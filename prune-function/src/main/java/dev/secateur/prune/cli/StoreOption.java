package dev.secateur.prune.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** `--store`, the model store's root, for the commands that write into it or list it. */
public class StoreOption {
    @Option(names = "--store", required = true, paramLabel = "<store>", description = "model store root")
    Path root;
}
