package dev.secateur.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonMappingException;
import dev.secateur.json.Json;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonEnumTest {

    /** The wire spellings senders use: renaming a constant must not change them unnoticed. */
    @Test
    void everyConstantKeepsItsWireSpelling() {
        assertEquals(List.of("mi", "mi-pairwise", "magnitude", "random", "wanda-sp", "flap", "taylor", "fusion", "mask-opt",
                "wanda", "sparsegpt", "sparsellm"), Arrays.stream(PruneMethod.values()).map(PruneMethod::json).toList());
        assertEquals(List.of("uniform", "global", "global-error"), Arrays.stream(Allocation.values()).map(Allocation::json).toList());
        assertEquals(List.of("none", "bias", "lsq"), Arrays.stream(Compensation.values()).map(Compensation::json).toList());
    }

    @Test
    void jacksonWritesAndReadsTheWireSpelling() throws Exception {
        assertEquals("[\"mi-pairwise\",\"global\",\"lsq\"]",
                Json.mapper().writeValueAsString(List.of(PruneMethod.MI_PAIRWISE, Allocation.GLOBAL, Compensation.LSQ)));
        assertEquals(PruneMethod.MASK_OPT, Json.mapper().readValue("\"mask-opt\"", PruneMethod.class));
        assertEquals(Allocation.UNIFORM, Json.mapper().readValue("\"uniform\"", Allocation.class));
        assertEquals(Compensation.BIAS, Json.mapper().readValue("\"bias\"", Compensation.class));
    }

    @Test
    void aJavaNameIsNotASpellingAndTheRefusalNamesTheField() {
        RequestValidationException e = assertThrows(RequestValidationException.class, () -> PruneMethod.fromJson("MI_PAIRWISE"));
        assertEquals("method", e.field());
        assertEquals("unknown method 'MI_PAIRWISE'; expected one of mi, mi-pairwise, magnitude, random, wanda-sp, flap, taylor, fusion,"
                + " mask-opt, wanda, sparsegpt, sparsellm", e.reason());
        assertThrows(JsonMappingException.class, () -> Json.mapper().readValue("\"wanda_sp\"", PruneMethod.class));
    }
}
