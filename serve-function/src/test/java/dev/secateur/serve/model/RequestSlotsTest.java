package dev.secateur.serve.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RequestSlotsTest {

    @Test
    void theSlotPastTheLimitIsRefusedAtOnceAndFreedSlotsComeBack() {
        RequestSlots slots = new RequestSlots(2);
        RequestSlots.Slot a = slots.take();
        RequestSlots.Slot b = slots.take();
        SaturatedException e = assertThrows(SaturatedException.class, slots::take);
        assertTrue(e.getMessage().contains("limit of 2"), e.getMessage());
        a.close();
        a.close();
        assertEquals(1, slots.available(), "a slot closed twice is given back once");
        slots.take();
        assertThrows(SaturatedException.class, slots::take);
        b.close();
        assertEquals(1, slots.available());
    }

    @Test
    void noSlotsIsAConfigurationError() {
        assertThrows(IllegalArgumentException.class, () -> new RequestSlots(0));
    }
}
