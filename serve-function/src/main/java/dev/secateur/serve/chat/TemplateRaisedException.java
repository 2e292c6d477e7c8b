package dev.secateur.serve.chat;

/** The chat template called raise_exception(message): the conversation is not one this model accepts. */
public class TemplateRaisedException extends RuntimeException {
    public TemplateRaisedException(String message) {
        super(message);
    }
}
