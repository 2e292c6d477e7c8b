package dev.secateur.prune.cli;

import picocli.CommandLine.Option;

/** `--device` of the commands that resolve it through Devices, so that every one accepts and describes the same names. */
public class DeviceOption {
    @Option(names = "--device", defaultValue = "auto", paramLabel = "<device>",
            description = "auto, cpu, cuda or cuda:N (default: ${DEFAULT-VALUE})")
    String name;
}
