package dev.secateur.serve.generate;

/** A client error: the APIs turn it into a 4xx JSON body naming the offending parameter. */
public class InvalidRequestException extends RuntimeException {

    private final String param;
    private final int status;

    public InvalidRequestException(String message, String param) {
        this(400, message, param);
    }

    public InvalidRequestException(int status, String message, String param) {
        super(message);
        this.status = status;
        this.param = param;
    }

    public String param() {
        return param;
    }

    public int status() {
        return status;
    }

    /** OpenAI's machine-readable error code, when there is one. */
    public String code() {
        return null;
    }
}
