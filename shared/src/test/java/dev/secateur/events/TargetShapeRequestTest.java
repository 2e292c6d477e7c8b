package dev.secateur.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.json.Json;
import dev.secateur.model.TargetShape;
import org.junit.jupiter.api.Test;

/** The request field targetShape: its string and object forms, the defaults it turns off, errors naming the field. */
class TargetShapeRequestTest {

    static RequestValidationException refused(ObjectNode json) {
        return assertThrows(RequestValidationException.class, () -> PruneRequest.parseValid(json));
    }

    @Test
    void theStringAndTheObjectFormGiveTheSameShape() {
        PruneRequest s = PruneRequest.parseValid(SparsityRequestTest.request("mi").put("targetShape", "layers=5,hidden=192,kv-heads=1,ffn=512"));
        ObjectNode obj = SparsityRequestTest.request("mi");
        obj.putObject("targetShape").put("layers", 5).put("hidden", 192).put("kvHeads", 1).put("ffn", 512);
        PruneRequest o = PruneRequest.parseValid(obj);
        assertEquals(new TargetShape(5, 192, null, 1, 512, null), s.targetShape());
        assertEquals(s.targetShape(), o.targetShape());
        // the default FFN ratio does not apply beside a shape, and the report's request carries the string form
        assertEquals(0.0, s.ffnRatio());
        assertEquals("layers=5,hidden=192,kv-heads=1,ffn=512", s.toJson().get("targetShape").asText());
        assertEquals(s.targetShape(), PruneRequest.parseValid(s.toJson()).targetShape());
        assertNull(PruneRequest.parseValid(SparsityRequestTest.request("mi")).targetShape());
    }

    @Test
    void theNormScaleDefaultFollowsTheFold() {
        TargetShape plain = TargetShape.parse("hidden=64"), given = TargetShape.parse("hidden=64,norm-scale=calibrated");
        assertEquals(TargetShape.NormScale.NONE, plain.normScaleOrDefault(true));
        assertEquals(TargetShape.NormScale.SQRT, plain.normScaleOrDefault(false));
        assertEquals(TargetShape.NormScale.CALIBRATED, given.normScaleOrDefault(true));
        assertEquals(TargetShape.NormScale.CALIBRATED, given.normScaleOrDefault(false));
    }

    @Test
    void badShapesNameTheField() {
        String[][] cases = {
                {"hidden=0", "hidden must be a positive integer"},
                {"hidden=-3", "hidden must be a positive integer"},
                {"width=4", "unknown key 'width'"},
                {"heads=6,kv-heads=4", "heads=6 is not a multiple of kv-heads=4"},
                {"ffn", "ffn has no value"},
                {"ffn=1.5", "ffn must be a positive integer"},
                {"layers=2,layers=3", "layers is given twice"},
                {"ffn=64,norm-scale=sqrt", "norm-scale applies to hidden pruning"},
                {"norm-scale=sqrt", "names no size"},
                {"hidden=8,norm-scale=half", "norm-scale must be none, sqrt or calibrated"},
                {"", "is empty"}};
        for (String[] c : cases) {
            RequestValidationException e = refused(SparsityRequestTest.request("mi").put("targetShape", c[0]));
            assertEquals("targetShape", e.field(), c[0]);
            assertTrue(e.reason().contains(c[1]), c[0] + ": " + e.reason());
        }
        ObjectNode obj = SparsityRequestTest.request("mi");
        obj.putObject("targetShape").put("kv_heads", 1);
        assertTrue(refused(obj).reason().contains("unknown key 'kv_heads'"));
        assertEquals("targetShape", refused(SparsityRequestTest.request("mi").put("targetShape", 3)).field());
    }

    @Test
    void ratiosSparsityAndThresholdsBesideAShapeAreRefused() {
        assertEquals("ffnRatio", refused(SparsityRequestTest.request("mi").put("targetShape", "ffn=64").put("ffnRatio", 0.3)).field());
        assertEquals("headRatio", refused(SparsityRequestTest.request("mi").put("targetShape", "ffn=64").put("headRatio", 0.5)).field());
        assertEquals("dropLayers", refused(SparsityRequestTest.request("mi").put("targetShape", "ffn=64").put("dropLayers", 1)).field());
        assertEquals("miThreshold", refused(SparsityRequestTest.request("mi").put("targetShape", "ffn=64").put("miThreshold", 0.5)).field());
        RequestValidationException s = refused(SparsityRequestTest.request("wanda").put("targetShape", "hidden=64").put("sparsity", 0.5));
        assertEquals("targetShape", s.field());
        assertTrue(s.reason().contains("cannot be combined with sparsity"), s.reason());
    }
}
