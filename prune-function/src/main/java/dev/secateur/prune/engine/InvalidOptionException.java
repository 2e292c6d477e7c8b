package dev.secateur.prune.engine;

import dev.secateur.events.FieldException;

/**
 * Options that the engine will not run, naming the prune request's JSON field at fault ("ffnRatio", "taylor",
 * "targetShape", ...), so that the service's failed event and the CLI's message can point at the input to fix without
 * reading the message. Knobs that only the engine has (minKeep, ridge, ...) are named by their option.
 */
public class InvalidOptionException extends FieldException {

    public InvalidOptionException(String field, String reason) {
        super(field, reason);
    }
}
