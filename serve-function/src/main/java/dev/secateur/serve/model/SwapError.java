package dev.secateur.serve.model;

import java.time.Instant;

/** The last version that failed to load or validate, shown by GET /v1/models. */
public record SwapError(int version, String trigger, String message, Instant at) {
}
