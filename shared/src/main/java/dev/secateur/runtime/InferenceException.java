package dev.secateur.runtime;

/** ONNX Runtime failed while running a loaded model. */
public class InferenceException extends RuntimeException {
    public InferenceException(String message, Throwable cause) {
        super(message, cause);
    }
}
