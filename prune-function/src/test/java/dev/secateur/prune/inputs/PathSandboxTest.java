package dev.secateur.prune.inputs;

import dev.secateur.events.RequestValidationException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The sandbox on a real file system: what it lets through, and that every refusal reads the same. */
class PathSandboxTest {

    @TempDir
    Path tmp;

    private PathSandbox sandbox(Path root) {
        return new PathSandbox(List.of(root), tmp);
    }

    private static void assertRefused(PathSandbox box, String name) {
        RequestValidationException e = assertThrows(RequestValidationException.class, () -> box.file("calibration", name), name);
        assertEquals("calibration", e.field());
        assertEquals(PathSandbox.REFUSED, e.reason(), name);
    }

    @Test
    void filesUnderARootResolveToTheirRealPath() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("data"));
        Path text = Files.writeString(root.resolve("calib.txt"), "text");
        Files.createDirectories(root.resolve("sub"));
        PathSandbox box = sandbox(root);
        assertEquals(text.toRealPath(), box.file("calibration", text.toString()));
        assertEquals(text.toRealPath(), box.file("calibration", "data/calib.txt"), "relative to the base");
        assertEquals(text.toRealPath(), box.file("calibration", "data/sub/../calib.txt"), ".. that stays inside is fine");
        Files.createSymbolicLink(root.resolve("link.txt"), text);
        assertEquals(text.toRealPath(), box.file("calibration", "data/link.txt"), "a link that stays inside is fine");
    }

    @Test
    void everyWayOutIsRefusedWithTheSameMessage() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("data"));
        Files.writeString(root.resolve("calib.txt"), "text");
        Path outside = Files.writeString(tmp.resolve("secret.txt"), "secret");
        Files.createSymbolicLink(root.resolve("escape.txt"), outside);
        Files.createSymbolicLink(root.resolve("escape-dir"), tmp);
        Files.createSymbolicLink(root.resolve("dangling.txt"), tmp.resolve("no-such-file"));
        PathSandbox box = sandbox(root);
        for (String name : List.of("/etc/passwd", "/etc/shadow", "/proc/self/environ", outside.toString(),
                "data/escape.txt", "data/escape-dir/secret.txt", "data/dangling.txt", "data/../secret.txt",
                "data/../../../../../../etc/passwd", root + "/../secret.txt", "data/no-such.txt", "/nonexistent/x",
                "data", "", "data/calib.txt\0.png")) {
            assertRefused(box, name);
        }
    }

    @Test
    void aRootThatIsALinkCountsWhereItLeads() throws IOException {
        Path real = Files.createDirectories(tmp.resolve("real"));
        Path text = Files.writeString(real.resolve("calib.txt"), "text");
        Path link = Files.createSymbolicLink(tmp.resolve("mounted"), real);
        assertEquals(text.toRealPath(), sandbox(link).file("calibration", "mounted/calib.txt"));
    }

    @Test
    void noRootsAllowNothing() throws IOException {
        Path text = Files.writeString(tmp.resolve("calib.txt"), "text");
        assertRefused(new PathSandbox(List.of(), tmp), text.toString());
        assertRefused(new PathSandbox(List.of(tmp.resolve("missing-root")), tmp), text.toString());
    }

    @Test
    void aCheckpointFolderMayNotLinkOutside() throws IOException {
        Path root = Files.createDirectories(tmp.resolve("models"));
        Path good = Files.createDirectories(root.resolve("good"));
        Files.writeString(good.resolve("config.json"), "{}");
        Path bad = Files.createDirectories(root.resolve("bad"));
        Path secret = Files.writeString(tmp.resolve("secret.json"), "{}");
        Files.createSymbolicLink(bad.resolve("config.json"), secret);
        PathSandbox box = sandbox(root);
        assertEquals(good.toRealPath(), box.folder("source.path", good.toString()));
        RequestValidationException e = assertThrows(RequestValidationException.class, () -> box.folder("source.path", bad.toString()));
        assertEquals("source.path", e.field());
        assertEquals(PathSandbox.REFUSED, e.reason());
        e = assertThrows(RequestValidationException.class, () -> box.folder("source.path", "/etc"));
        assertEquals(PathSandbox.REFUSED, e.reason());
    }
}
