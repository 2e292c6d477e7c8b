package dev.secateur.onnx;

/** An ONNX export that cannot be done as asked; the message names the model or file at fault. */
public class OnnxExportException extends RuntimeException {
    public OnnxExportException(String message) {
        super(message);
    }

    public OnnxExportException(String message, Throwable cause) {
        super(message, cause);
    }
}
