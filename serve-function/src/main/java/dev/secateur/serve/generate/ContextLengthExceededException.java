package dev.secateur.serve.generate;

/** The prompt (with the tokens asked for) does not fit the model's context; OpenAI's code context_length_exceeded. */
public class ContextLengthExceededException extends InvalidRequestException {

    public static final String CODE = "context_length_exceeded";

    public ContextLengthExceededException(String message, String param) {
        super(message, param);
    }

    @Override
    public String code() {
        return CODE;
    }
}
