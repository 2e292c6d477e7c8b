package dev.secateur.onnx;

/** An ONNX graph that cannot be read or mapped onto a known architecture; the message names the node or initializer. */
public class OnnxImportException extends RuntimeException {
    public OnnxImportException(String message) {
        super(message);
    }

    public OnnxImportException(String message, Throwable cause) {
        super(message, cause);
    }
}
