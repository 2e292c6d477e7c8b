package dev.secateur.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.secateur.json.Json;
import org.junit.jupiter.api.Test;

/** The request fields schedule, scheduleSteps and recoverSteps: defaults, and errors that name the field at fault. */
class ScheduleRequestTest {

    static ObjectNode request() {
        ObjectNode r = Json.mapper().createObjectNode();
        r.putObject("source").put("path", "/models/x");
        r.put("method", "mi").put("calibration", "/data/calib.txt").put("outputModel", "x");
        return r;
    }

    static void assertRefused(ObjectNode json, String field, String reason) {
        RequestValidationException e = assertThrows(RequestValidationException.class, () -> PruneRequest.parseValid(json));
        assertEquals(field, e.field(), e.getMessage());
        assertTrue(e.reason().contains(reason), e.reason());
    }

    @Test
    void oneShotIsTheDefaultAndAdaptiveDefaultsToThreeStepsWithoutRecovery() {
        PruneRequest plain = PruneRequest.parseValid(request());
        assertEquals("one-shot", plain.schedule());
        assertEquals(1, plain.scheduleStepsOrDefault());
        PruneRequest adaptive = PruneRequest.parseValid(request().put("schedule", "adaptive"));
        assertEquals(3, adaptive.scheduleStepsOrDefault());
        assertEquals(0, adaptive.recoverStepsOrDefault());
        PruneRequest given = PruneRequest.parseValid(request().put("schedule", "adaptive").put("scheduleSteps", 5).put("recoverSteps", 20));
        assertEquals(5, given.scheduleStepsOrDefault());
        assertEquals(20, given.recoverStepsOrDefault());
        // the fields survive the round trip through the report's copy of the request
        assertEquals("adaptive", given.toJson().get("schedule").asText());
    }

    @Test
    void anUnknownScheduleIsRefused() {
        assertRefused(request().put("schedule", "gradual"), "schedule", "[one-shot, adaptive]");
    }

    @Test
    void stepsBelowTwoOrAboveTheCapAreRefused() {
        assertRefused(request().put("schedule", "adaptive").put("scheduleSteps", 0), "scheduleSteps", "must be 2 to 16");
        assertRefused(request().put("schedule", "adaptive").put("scheduleSteps", 1), "scheduleSteps", "1 step is schedule one-shot");
        assertRefused(request().put("schedule", "adaptive").put("scheduleSteps", 17), "scheduleSteps", "must be 2 to 16");
    }

    @Test
    void negativeRecoverStepsAreRefused() {
        assertRefused(request().put("schedule", "adaptive").put("recoverSteps", -1), "recoverSteps", "must be >= 0");
        assertRefused(request().put("recoverSteps", -3), "recoverSteps", "must be >= 0");
    }

    @Test
    void stepsOrRecoveryWithOneShotAreRefused() {
        assertRefused(request().put("scheduleSteps", 3), "scheduleSteps", "schedule adaptive only");
        assertRefused(request().put("recoverSteps", 10), "recoverSteps", "between the steps of schedule adaptive");
        PruneRequest.parseValid(request().put("recoverSteps", 0));
    }

    @Test
    void adaptiveWithNothingToSplitIsRefusedNamingTheRatio() {
        assertRefused(request().put("schedule", "adaptive").put("ffnRatio", 0.0), "ffnRatio", "nothing to split");
        // heads alone are a ratio to split
        PruneRequest.parseValid(request().put("schedule", "adaptive").put("ffnRatio", 0.0).put("headRatio", 0.5));
    }

    @Test
    void adaptiveRefusesWhatItCannotSplit() {
        assertRefused(request().put("schedule", "adaptive").put("dropLayers", 1), "dropLayers", "must be 0 with schedule adaptive");
        assertRefused(request().put("schedule", "adaptive").put("miThreshold", 1.5), "miThreshold", "no total to split");
        assertRefused(request().put("schedule", "adaptive").put("method", "wanda").put("sparsity", 0.5), "schedule",
                "zeroes single weights");
        assertRefused(request().put("schedule", "adaptive").put("method", "mask-opt").put("allocation", "global"), "schedule",
                "mask-opt learns one mask");
    }
}
