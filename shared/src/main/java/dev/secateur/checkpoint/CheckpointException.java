package dev.secateur.checkpoint;

/** A checkpoint that cannot be read as given; the message names the file or tensor at fault. */
public class CheckpointException extends RuntimeException {
    public CheckpointException(String message) {
        super(message);
    }

    public CheckpointException(String message, Throwable cause) {
        super(message, cause);
    }
}
