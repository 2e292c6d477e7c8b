package dev.secateur.events;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PruneRequestTest {

    private static final String MINIMAL = """
            {"source":{"model":"tiny-llama"},"calibration":"data/calib.txt","outputModel":"tiny-llama-pruned"}""";

    private static ObjectNode minimal() throws Exception {
        return (ObjectNode) Json.mapper().readTree(MINIMAL);
    }

    private static RequestValidationException invalid(JsonNode data) {
        return assertThrows(RequestValidationException.class, () -> PruneRequest.parse(data).validate());
    }

    private static void assertInvalid(String field, String reasonFragment, JsonNode data) {
        RequestValidationException e = invalid(data);
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.reason().contains(reasonFragment), "expected '" + reasonFragment + "' in: " + e.getMessage());
    }

    @Test
    void minimalRequestGetsDefaults() throws Exception {
        PruneRequest r = PruneRequest.parseValid(minimal());
        assertEquals(ModelSource.ofModel("tiny-llama", null), r.source());
        assertTrue(r.source().isStoreModel());
        assertEquals(PruneMethod.MI, r.method());
        assertEquals(0.2, r.ffnRatio());
        assertEquals(0.0, r.headRatio());
        assertEquals(0, r.dropLayers());
        assertEquals(Allocation.UNIFORM, r.allocation());
        assertEquals(Compensation.LSQ, r.compensation());
        assertEquals(2.0, r.miAlpha());
        assertEquals(1.0, r.kernelScale());
        assertEquals(32, r.samples());
        assertEquals(128, r.seqLen());
        assertEquals(0L, r.seed());
        assertNull(r.eval());
        assertEquals(128, r.evalSeqLen());
        assertNull(r.qualityGate());
    }

    @Test
    void fullRequestParsesAndRoundTrips() {
        String json = """
                {"source":{"path":"/ckpt/smollm"},"method":"wanda-sp","ffnRatio":0.4,"headRatio":0.25,
                 "dropLayers":1,"allocation":"global","compensation":"bias","miAlpha":1.5,"kernelScale":0.5,
                 "calibration":"c.txt","samples":64,"seqLen":256,"seed":42,"eval":"e.txt","evalSeqLen":512,
                 "outputModel":"smol-40","qualityGate":{"maxPerplexityRatio":1.2},"futureField":{"x":1}}""";
        PruneRequest r = PruneRequest.parse(json.getBytes(StandardCharsets.UTF_8)).validate();
        assertEquals(ModelSource.ofPath("/ckpt/smollm"), r.source());
        assertEquals(PruneMethod.WANDA_SP, r.method());
        assertEquals(Allocation.GLOBAL, r.allocation());
        assertEquals(Compensation.BIAS, r.compensation());
        assertEquals(42L, r.seed());
        assertEquals(512, r.evalSeqLen());
        assertEquals(1.2, r.qualityGate().maxPerplexityRatio());

        JsonNode written = r.toJson();
        assertEquals("wanda-sp", written.get("method").asText());
        assertFalse(written.get("source").has("storeModel"));
        assertEquals(r, PruneRequest.parse(written));
        // Jackson binding (as a REST endpoint might use) agrees with the hand parser.
        assertEquals(r, Json.mapper().convertValue(written, PruneRequest.class));
    }

    @Test
    void storeSourceWithVersion() throws Exception {
        ObjectNode d = minimal();
        d.putObject("source").put("model", "base").put("version", 3);
        assertEquals(ModelSource.ofModel("base", 3), PruneRequest.parseValid(d).source());
    }

    @ParameterizedTest
    @CsvSource({"ffnRatio,1.0", "ffnRatio,-0.1", "ffnRatio,1.5", "headRatio,1.0", "headRatio,-0.1"})
    void ratiosOutsideZeroToOneRejected(String field, double value) throws Exception {
        ObjectNode d = minimal();
        d.put(field, value);
        assertInvalid(field, "must be >= 0 and < 1, was " + value, d);
    }

    @Test
    void globalErrorAllocationIsReadAndWrittenAsItsJsonName() throws Exception {
        ObjectNode d = minimal();
        d.put("allocation", "global-error");
        PruneRequest r = PruneRequest.parseValid(d);
        assertEquals(Allocation.GLOBAL_ERROR, r.allocation());
        assertTrue(r.allocation().global());
        assertFalse(Allocation.UNIFORM.global());
        assertEquals(r, PruneRequest.parse(dev.secateur.json.Json.mapper().writeValueAsBytes(r)));
    }

    @Test
    void unknownEnumsRejectedListingChoices() throws Exception {
        ObjectNode d = minimal();
        d.put("method", "obs");
        assertInvalid("method", "unknown method 'obs'; expected one of mi, mi-pairwise, magnitude, random, wanda-sp, flap, taylor, fusion, mask-opt, wanda, sparsegpt, sparsellm", d);
        ObjectNode a = minimal();
        a.put("allocation", "greedy");
        assertInvalid("allocation", "unknown allocation 'greedy'", a);
        ObjectNode c = minimal();
        c.put("compensation", "LSQ");
        assertInvalid("compensation", "unknown compensation 'LSQ'", c);
    }

    @Test
    void taylorEstimateIsCheckedAndOnlyForTheGradientMethods() throws Exception {
        ObjectNode foo = minimal().put("method", "taylor").put("taylor", "foo");
        assertInvalid("taylor", "must be one of [vector, element, second-order], was 'foo'", foo);
        assertInvalid("taylor", "applies to methods taylor and fusion, not mi", minimal().put("taylor", "vector"));
        assertInvalid("taylor", "fusion's coarse estimate is vector-wise already", minimal().put("method", "fusion").put("taylor", "vector"));
        assertEquals("second-order", PruneRequest.parseValid(minimal().put("method", "fusion").put("taylor", "second-order")).taylor());
        PruneRequest plain = PruneRequest.parseValid(minimal().put("method", "taylor"));
        assertEquals(PruneMethod.TAYLOR, plain.method());
        assertEquals(null, plain.taylor(), "not given: the pipeline's default applies");
    }

    @Test
    void missingCalibrationRejected() throws Exception {
        ObjectNode d = minimal();
        d.remove("calibration");
        assertInvalid("calibration", "is required", d);
        d.put("calibration", "  ");
        assertInvalid("calibration", "is required", d);
    }

    @Test
    void badOutputModelRejected() throws Exception {
        ObjectNode d = minimal();
        d.put("outputModel", "../etc");
        assertInvalid("outputModel", "'../etc'", d);
        d.put("outputModel", "Has Spaces");
        assertInvalid("outputModel", "lower-case", d);
        d.remove("outputModel");
        assertInvalid("outputModel", "is required", d);
    }

    @Test
    void wrongTypesNameTheField() throws Exception {
        ObjectNode d = minimal();
        d.put("ffnRatio", "0.2");
        assertInvalid("ffnRatio", "must be a number, got string", d);

        ObjectNode s = minimal();
        s.put("samples", 32.5);
        assertInvalid("samples", "must be an integer", s);

        ObjectNode big = minimal();
        big.put("seqLen", 1L << 40);
        assertInvalid("seqLen", "out of range", big);

        ObjectNode v = minimal();
        v.putObject("source").put("model", "m").put("version", "latest");
        assertInvalid("source.version", "must be an integer, got string", v);

        ObjectNode src = minimal();
        src.put("source", "tiny-llama");
        assertInvalid("source", "must be an object, got string", src);

        ObjectNode gate = minimal();
        gate.putObject("qualityGate").put("maxPerplexityRatio", true);
        assertInvalid("qualityGate.maxPerplexityRatio", "must be a number, got boolean", gate);

        ObjectNode cal = minimal();
        cal.putArray("calibration");
        assertInvalid("calibration", "must be a file path or {\"dataset\": name}, got array", cal);
    }

    @Test
    void integralFloatsAcceptedAsIntegers() throws Exception {
        ObjectNode d = minimal();
        d.put("samples", 16.0);
        assertEquals(16, PruneRequest.parseValid(d).samples());
    }

    @Test
    void sourceRules() throws Exception {
        ObjectNode none = minimal();
        none.remove("source");
        assertInvalid("source", "is required", none);

        ObjectNode both = minimal();
        both.putObject("source").put("model", "m").put("path", "/p");
        assertInvalid("source", "not both", both);

        ObjectNode empty = minimal();
        empty.putObject("source");
        assertInvalid("source", "needs model", empty);

        ObjectNode badName = minimal();
        badName.putObject("source").put("model", "/abs");
        assertInvalid("source.model", "'/abs'", badName);

        ObjectNode zero = minimal();
        zero.putObject("source").put("model", "m").put("version", 0);
        assertInvalid("source.version", "must be >= 1", zero);

        ObjectNode pathVersion = minimal();
        pathVersion.putObject("source").put("path", "/p").put("version", 2);
        assertInvalid("source.version", "only applies to a stored model", pathVersion);
    }

    @Test
    void numericRangeRules() throws Exception {
        ObjectNode d = minimal();
        d.put("dropLayers", -1);
        assertInvalid("dropLayers", "must be >= 0", d);

        ObjectNode alpha = minimal();
        alpha.put("miAlpha", 1.0);
        assertInvalid("miAlpha", "!= 1", alpha);

        ObjectNode h = minimal();
        h.put("kernelScale", 0);
        assertInvalid("kernelScale", "> 0", h);

        ObjectNode n = minimal();
        n.put("samples", 0);
        assertInvalid("samples", "must be >= 1", n);

        ObjectNode e = minimal();
        e.put("evalSeqLen", 1);
        assertInvalid("evalSeqLen", "must be >= 2", e);

        ObjectNode g = minimal();
        g.putObject("qualityGate").put("maxPerplexityRatio", 0.2);
        assertInvalid("qualityGate.maxPerplexityRatio", ">= 1.0", g);

        ObjectNode gm = minimal();
        gm.putObject("qualityGate");
        assertInvalid("qualityGate.maxPerplexityRatio", "is required", gm);
    }

    /** mask-opt's budget and search fields: ranges, and only with method mask-opt, each error naming its field. */
    @Test
    void maskOptFieldRules() throws Exception {
        Object[][] bad = {
            {"paramRatio", 1.0, "must be > 0 and < 1"},
            {"paramRatio", 1.5, "must be > 0 and < 1"},
            {"paramRatio", -0.1, "must be > 0 and < 1"},
            {"maskIterations", 0, "must be >= 1"},
            {"maskSamples", 1, "must be >= 2"},
            {"maskLr", 0.0, "finite number > 0"},
            {"maskInit", "taylor", "[mi, mi-error, uniform]"},
            {"maskWindows", 0, "must be >= 1 and at most samples (32)"},
            {"maskWindows", 33, "must be >= 1 and at most samples (32)"}};
        for (Object[] c : bad) {
            ObjectNode r = minimal();
            r.put("method", "mask-opt");
            r.set((String) c[0], Json.mapper().valueToTree(c[1]));
            assertInvalid((String) c[0], (String) c[2], r);
        }
        ObjectNode other = minimal();
        other.put("method", "wanda-sp").put("maskSamples", 4);
        assertInvalid("maskSamples", "applies to method mask-opt only", other);
        ObjectNode otherBudget = minimal();
        otherBudget.put("paramRatio", 0.2);
        assertInvalid("paramRatio", "applies to method mask-opt only, not mi", otherBudget);
        ObjectNode otherSelect = minimal();
        otherSelect.put("method", "flap").put("maskSelect", "mi");
        assertInvalid("maskSelect", "applies to method mask-opt only, not flap", otherSelect);
        ObjectNode both = minimal();
        both.put("method", "mask-opt").put("paramRatio", 0.2).put("ffnRatio", 0.3);
        assertInvalid("paramRatio", "give one of them", both);
        ObjectNode heads = minimal();
        heads.put("method", "mask-opt").put("headRatio", 0.25);
        assertInvalid("headRatio", "FFN neurons only", heads);

        ObjectNode ok = minimal();
        ok.put("method", "mask-opt").put("paramRatio", 0.2).put("maskIterations", 5).put("maskSamples", 4).put("maskLr", 0.2)
                .put("maskInit", "uniform").put("maskWindows", 2).put("allocation", "global").put("maskSelect", "search");
        PruneRequest r = PruneRequest.parseValid(ok);
        assertEquals(PruneMethod.MASK_OPT, r.method());
        assertEquals(0.2, r.paramRatio());
        assertEquals(0.0, r.ffnRatio(), "a parameter budget replaces the FFN ratio's default");
        assertEquals(5, r.maskIterations());
        assertEquals("uniform", r.maskInit());
        assertEquals("search", r.maskSelect());
        assertEquals(null, PruneRequest.parseValid(minimal().put("method", "mask-opt")).maskSelect(), "absent: the engine's default");
        // the journal stores the request as JSON and reads it back
        assertEquals(r, PruneRequest.parseValid(r.toJson()));
    }

    /** maskStructures: known names, each once, at least one; kv-groups and layers need paramRatio and global allocation. */
    @Test
    void maskStructuresRules() throws Exception {
        Object[][] bad = {
            {List.of("ffn", "heads"), "'heads' is not one of [ffn, kv-groups, layers]"},
            {List.of(), "must name at least one of [ffn, kv-groups, layers]"},
            {"", "must name at least one of [ffn, kv-groups, layers]"},
            {"ffn,layers,ffn", "names 'ffn' twice"},
            {List.of(3), "must be an array of strings"},
            {7, "must be an array of strings"}};
        for (Object[] c : bad) {
            ObjectNode r = minimal();
            r.put("method", "mask-opt").put("paramRatio", 0.2).put("allocation", "global");
            r.set("maskStructures", Json.mapper().valueToTree(c[0]));
            assertInvalid("maskStructures", (String) c[1], r);
        }
        ObjectNode noParamBudget = minimal();
        noParamBudget.put("method", "mask-opt").put("ffnRatio", 0.2).put("allocation", "global").putArray("maskStructures").add("kv-groups");
        assertInvalid("maskStructures", "kv-groups needs paramRatio", noParamBudget);
        ObjectNode uniform = minimal();
        uniform.put("method", "mask-opt").put("paramRatio", 0.2).putArray("maskStructures").add("ffn").add("layers");
        assertInvalid("maskStructures", "needs allocation global, was uniform", uniform);
        ObjectNode other = minimal();
        other.put("method", "mi").putArray("maskStructures").add("ffn");
        assertInvalid("maskStructures", "applies to method mask-opt only, not mi", other);

        ObjectNode ok = minimal();
        ok.put("method", "mask-opt").put("paramRatio", 0.2).put("allocation", "global").put("maskStructures", "ffn, kv-groups,layers");
        PruneRequest r = PruneRequest.parseValid(ok);
        assertEquals(List.of("ffn", "kv-groups", "layers"), r.maskStructures());
        assertEquals(r, PruneRequest.parseValid(r.toJson()), "the journal's JSON round trip keeps the list");
        // ffn alone keeps today's budgets: an FFN ratio and uniform allocation are fine
        ObjectNode ffn = minimal();
        ffn.put("method", "mask-opt").put("ffnRatio", 0.3).putArray("maskStructures").add("ffn");
        assertEquals(List.of("ffn"), PruneRequest.parseValid(ffn).maskStructures());
        assertEquals(null, PruneRequest.parseValid(minimal()).maskStructures(), "absent: the default, ffn");
    }

    @Test
    void miAndStreamingOptionRules() throws Exception {
        ObjectNode t = minimal();
        t.put("miThreshold", -0.5);
        assertInvalid("miThreshold", ">= 0", t);

        ObjectNode tm = minimal();
        tm.put("miThreshold", 1.0).put("method", "wanda-sp");
        assertInvalid("miThreshold", "needs an MI method", tm);

        ObjectNode zero = minimal();
        zero.put("miTokens", 0);
        assertInvalid("miTokens", "must be >= 2", zero);

        ObjectNode many = minimal();
        many.put("samples", 2).put("seqLen", 16).put("miTokens", 33);
        assertInvalid("miTokens", "calibration tokens (samples × seqLen = 32)", many);

        ObjectNode mode = minimal();
        mode.put("calibrationMode", "backwards");
        assertInvalid("calibrationMode", "[sequential, dense]", mode);

        ObjectNode export = minimal();
        export.put("export", "int4");
        assertInvalid("export", "[fp32, fp16]", export);

        ObjectNode ok = minimal();
        ok.put("miThreshold", 2.0).put("miTokens", 64).put("calibrationMode", "dense").put("export", "fp16").put("evalMaxTokens", 512);
        PruneRequest r = PruneRequest.parseValid(ok);
        assertEquals(2.0, r.miThreshold());
        assertEquals(64, r.miTokens());
        assertEquals(256, PruneRequest.parseValid(minimal()).miTokensOrDefault());
        assertEquals("dense", r.calibrationMode());
        assertEquals("fp16", r.export());
        assertEquals(512, r.evalMaxTokens());
    }

    @Test
    void nonObjectDataRejected() {
        RequestValidationException e = assertThrows(RequestValidationException.class,
                () -> PruneRequest.parse(Json.mapper().createArrayNode()));
        assertEquals("data", e.field());
        RequestValidationException notJson = assertThrows(RequestValidationException.class,
                () -> PruneRequest.parse("{nope".getBytes(StandardCharsets.UTF_8)));
        assertEquals("data", notJson.field());
        assertTrue(notJson.reason().contains("not valid JSON"));
    }

    @Test
    void failedEventCarriesTheField() throws Exception {
        ObjectNode d = minimal();
        d.put("ffnRatio", 1.0);
        PruneFailed failed = PruneFailed.of("job-1", "req-1", invalid(d));
        assertEquals("ffnRatio", failed.field());
        assertEquals(failed, CloudEvent.of(EventTypes.PRUNE_FAILED, "/prune", "job-1", failed).dataAs(PruneFailed.class));
    }

    @Test
    void calibrationAndEvalMayNameAStoredDataset() throws Exception {
        ObjectNode d = minimal();
        d.putObject("calibration").put("dataset", "kjv-calib");
        d.putObject("eval").put("dataset", "kjv-valid");
        PruneRequest r = PruneRequest.parseValid(d);
        assertEquals(java.util.Optional.of("kjv-calib"), TextSource.dataset(r.calibration()));
        assertEquals(java.util.Optional.of("kjv-valid"), TextSource.dataset(r.eval()));
        assertEquals(r, PruneRequest.parseValid(r.toJson()), "the journalled form parses back to the same request");
        assertEquals(java.util.Optional.empty(), TextSource.dataset(PruneRequest.parseValid(minimal()).calibration()));

        d.putObject("calibration").put("dataset", "../etc/passwd");
        assertInvalid("calibration.dataset", "", d);
        d.putObject("calibration");
        assertInvalid("calibration.dataset", "required", d);
        d.putObject("calibration").put("dataset", 3);
        assertInvalid("calibration.dataset", "string", d);
        d.put("calibration", 42);
        assertInvalid("calibration", "dataset", d);
    }
}
