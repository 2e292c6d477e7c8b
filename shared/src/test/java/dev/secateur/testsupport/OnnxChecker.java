package dev.secateur.testsupport;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs Debian's python3-onnx checker (full_check) on a model file; skips when python3-onnx is not installed. */
public final class OnnxChecker {
    private static final String PY = "/usr/bin/python3";
    private static Boolean available;

    private OnnxChecker() {
    }

    public static synchronized boolean available() {
        if (available == null) {
            available = run(PY, "-c", "import onnx").exit == 0;
        }
        return available;
    }

    public static void assumeAndCheck(Path model) {
        Assumptions.assumeTrue(available(), "python3-onnx not installed (apt-get install python3-onnx)");
        check(model);
    }

    /**
     * The checker as one more check inside a test that asserts other things too: without python3-onnx it is left
     * out rather than aborting the rest of the test (scripts/test.sh installs it where it can).
     */
    public static void checkIfAvailable(Path model) {
        if (available()) {
            check(model);
        }
    }

    private static void check(Path model) {
        Outcome o = run(PY, "-c", "import sys, onnx; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True); print('ok')",
                model.toString());
        assertEquals(0, o.exit, "onnx.checker rejected " + model + ":\n" + o.output);
    }

    private record Outcome(int exit, String output) {
    }

    private static Outcome run(String... cmd) {
        if (!Files.isExecutable(Path.of(PY))) {
            return new Outcome(127, PY + " missing");
        }
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Outcome(124, out);
            }
            return new Outcome(p.exitValue(), out);
        } catch (IOException e) {
            return new Outcome(127, e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(130, e.toString());
        }
    }
}
