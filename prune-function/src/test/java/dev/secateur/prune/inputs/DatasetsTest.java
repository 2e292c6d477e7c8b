package dev.secateur.prune.inputs;

import dev.secateur.events.RequestValidationException;
import dev.secateur.store.Sha256;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class DatasetsTest {

    @TempDir
    Path tmp;

    @Test
    void uploadReplaceListAndResolve() throws IOException {
        Datasets datasets = new Datasets(tmp.resolve("store"));
        Path text = Files.writeString(tmp.resolve("a.txt"), "first");
        Datasets.Dataset d = datasets.upload("kjv", text);
        assertEquals(new Datasets.Dataset("kjv", 5, Sha256.hex("first".getBytes())), d);
        Files.writeString(text, "second version");
        datasets.upload("kjv", text);
        assertEquals("second version", Files.readString(datasets.resolve("calibration", "kjv")));
        assertEquals(1, datasets.list().size());
        assertEquals(14, datasets.list().get(0).bytes());
    }

    @Test
    void namesNeverBecomePaths() {
        Datasets datasets = new Datasets(tmp);
        for (String name : new String[] {"../etc/passwd", "/etc/passwd", "a/b", "..", "UPPER"}) {
            RequestValidationException e = assertThrows(RequestValidationException.class, () -> datasets.resolve("eval", name));
            assertEquals("eval.dataset", e.field());
        }
        RequestValidationException e = assertThrows(RequestValidationException.class, () -> datasets.resolve("eval", "missing"));
        assertEquals("eval.dataset", e.field());
        assertThrows(IllegalArgumentException.class, () -> datasets.upload("../x", tmp));
    }
}
