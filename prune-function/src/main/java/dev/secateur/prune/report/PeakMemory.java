package dev.secateur.prune.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The process's peak resident set (VmHWM in /proc/self/status), what `time -v` reports as maximum resident set size. */
public final class PeakMemory {
    private PeakMemory() {
    }

    /** Bytes, or -1 where /proc is not there to tell. */
    public static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    String kb = line.substring(6).trim().split("\\s+")[0];
                    return Long.parseLong(kb) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or /proc hidden: the report says -1 rather than guessing
        }
        return -1;
    }
}
