package dev.secateur.serve.reload;

/** A prune.completed event reduced to what the server acts on. */
public record Announcement(String eventId, String model, int version) {
}
