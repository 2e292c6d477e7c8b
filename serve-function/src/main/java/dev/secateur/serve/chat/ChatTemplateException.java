package dev.secateur.serve.chat;

/** A chat template Jinjava cannot render (a syntax or method it does not support): a server-side fault. */
public class ChatTemplateException extends RuntimeException {
    public ChatTemplateException(String message) {
        super(message);
    }
}
