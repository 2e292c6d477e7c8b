package dev.secateur.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.json.Json;
import org.junit.jupiter.api.Test;

/** The request fields sparsity and pattern: what goes with them, and errors that name the field at fault. */
class SparsityRequestTest {

    static ObjectNode request(String method) {
        ObjectNode r = Json.mapper().createObjectNode();
        r.putObject("source").put("path", "/models/x");
        r.put("method", method).put("calibration", "/data/calib.txt").put("outputModel", "x");
        return r;
    }

    static RequestValidationException refused(ObjectNode json) {
        return assertThrows(RequestValidationException.class, () -> PruneRequest.parseValid(json));
    }

    @Test
    void aSparsityMethodDefaultsToNoNeuronRemovalAndNoCompensation() {
        PruneRequest r = PruneRequest.parseValid(request("sparsegpt").put("sparsity", 0.5).put("pattern", "4:8"));
        assertEquals(0.0, r.ffnRatio());
        assertEquals(Compensation.NONE, r.compensation());
        assertEquals("4:8", r.patternOrDefault());
        assertEquals("unstructured", PruneRequest.parseValid(request("wanda").put("sparsity", 0.7)).patternOrDefault());
        // structured requests keep their defaults and carry no sparsity
        PruneRequest mi = PruneRequest.parseValid(request("mi"));
        assertEquals(PruneRequest.DEFAULT_FFN_RATIO, mi.ffnRatio());
        assertNull(mi.sparsity());
    }

    @Test
    void sparsityOutsideZeroToOneIsRefused() {
        for (double s : new double[] {1.0, 1.5, -0.1, 0.0}) {
            RequestValidationException e = refused(request("wanda").put("sparsity", s));
            assertEquals("sparsity", e.field(), e.getMessage());
            assertTrue(e.reason().contains("> 0 and < 1"), e.reason());
        }
    }

    @Test
    void aPatternWithoutSparsityIsRefused() {
        RequestValidationException e = refused(request("wanda").put("pattern", "2:4"));
        assertEquals("sparsity", e.field());
        assertTrue(e.reason().contains("pattern") && e.reason().contains("0.5"), e.reason());
    }

    @Test
    void aSparsityMethodWithoutSparsityIsRefused() {
        RequestValidationException e = refused(request("sparsegpt"));
        assertEquals("sparsity", e.field());
        assertTrue(e.reason().contains("required with method sparsegpt"), e.reason());
    }

    @Test
    void sparsityWithAStructuredMethodIsRefused() {
        for (String m : new String[] {"mi", "magnitude", "wanda-sp", "flap"}) {
            RequestValidationException e = refused(request(m).put("sparsity", 0.5));
            assertEquals("sparsity", e.field());
            assertTrue(e.reason().contains(m + " removes whole neurons"), e.reason());
        }
    }

    @Test
    void structuredTargetsOrCompensationWithASparsityMethodAreRefusedNamingTheirField() {
        assertEquals("ffnRatio", refused(request("wanda").put("sparsity", 0.5).put("ffnRatio", 0.2)).field());
        assertEquals("headRatio", refused(request("wanda").put("sparsity", 0.5).put("headRatio", 0.25)).field());
        assertEquals("dropLayers", refused(request("sparsegpt").put("sparsity", 0.5).put("dropLayers", 1)).field());
        RequestValidationException e = refused(request("sparsegpt").put("sparsity", 0.5).put("compensation", "lsq"));
        assertEquals("compensation", e.field());
        assertTrue(e.reason().contains("updates the kept weights itself"), e.reason());
    }

    @Test
    void aPatternMustBeUnstructuredOrNOfMAndAgreeWithTheSparsity() {
        for (String p : new String[] {"2/4", "4:4", "0:4", "dense", "2:"}) {
            assertEquals("pattern", refused(request("wanda").put("sparsity", 0.5).put("pattern", p)).field(), p);
        }
        RequestValidationException e = refused(request("wanda").put("sparsity", 0.6).put("pattern", "2:4"));
        assertEquals("sparsity", e.field());
        assertTrue(e.reason().contains("must be 0.5 with pattern 2:4"), e.reason());
    }
}
