package dev.secateur.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** No Docker engine runs here, so the images are checked against the files the build really produced. */
class DockerfilesTest {
    private static final Pattern COPY = Pattern.compile("^COPY\\s+(?:--\\S+\\s+)*(\\S+)\\s+(\\S+)\\s*$", Pattern.MULTILINE);

    @Test
    void everyFunctionHasAJvmAndACudaImage() {
        for (String fn : List.of("prune-function", "serve-function")) {
            for (String flavour : List.of("Dockerfile.jvm", "Dockerfile.cuda")) {
                assertTrue(Files.isRegularFile(dockerfile(fn, flavour)), "missing " + dockerfile(fn, flavour));
            }
        }
    }

    @Test
    void copiedPathsExistAfterTheBuild() throws IOException {
        for (String fn : List.of("prune-function", "serve-function")) {
            Path app = Manifests.ROOT.resolve(fn).resolve("target/quarkus-app");
            assertTrue(Files.isRegularFile(app.resolve("quarkus-run.jar")), "the build did not produce " + app + "/quarkus-run.jar");
            for (String flavour : List.of("Dockerfile.jvm", "Dockerfile.cuda")) {
                String text = Files.readString(dockerfile(fn, flavour));
                Matcher m = COPY.matcher(text);
                int copies = 0;
                while (m.find()) {
                    copies++;
                    String src = m.group(1);
                    assertTrue(src.startsWith(fn + "/target/quarkus-app/"), flavour + " of " + fn + " copies from another module: " + src);
                    Path p = Manifests.ROOT.resolve(src.replace("*.jar", "quarkus-run.jar"));
                    assertTrue(Files.exists(p), fn + "/" + flavour + " copies " + src + " which the build does not produce");
                }
                assertTrue(copies >= 4, fn + "/" + flavour + " should copy lib/, app/, quarkus/ and the run jar");
                assertTrue(text.contains("USER 185"), fn + "/" + flavour + " must not run as root");
                assertTrue(text.contains("HEALTHCHECK"), fn + "/" + flavour + " needs a health check");
                assertTrue(text.contains("quarkus-run.jar"), fn + "/" + flavour + " entrypoint must run quarkus-run.jar");
            }
        }
    }

    @Test
    void cudaImagesUseCuda12WithCudnn() throws IOException {
        for (String fn : List.of("prune-function", "serve-function")) {
            String text = Files.readString(dockerfile(fn, "Dockerfile.cuda"));
            assertTrue(text.matches("(?s).*FROM nvidia/cuda:12\\.[0-9.]+-cudnn.*"), fn + " CUDA image must start from a CUDA 12 + cuDNN base");
        }
        assertTrue(Files.readString(dockerfile("prune-function", "Dockerfile.cuda")).contains("DJL_CACHE_DIR"),
                "the prune CUDA image must fetch DJL's cu128 natives into DJL_CACHE_DIR at build time");
    }

    private static Path dockerfile(String fn, String flavour) {
        return Manifests.ROOT.resolve("src/main/docker").resolve(fn).resolve(flavour);
    }
}
