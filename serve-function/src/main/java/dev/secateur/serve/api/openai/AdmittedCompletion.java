package dev.secateur.serve.api.openai;

import dev.secateur.serve.chat.ChatFormat;
import dev.secateur.serve.generate.PreparedCompletion;
import dev.secateur.serve.model.Admission;

/**
 * A completion or chat request let in and checked against the version that will serve it, with the id and
 * creation time its answer carries; sending the answer releases the hold.
 */
record AdmittedCompletion(Admission.Hold hold, PreparedCompletion job, String id, long created) {

    /** How the serving version chats: its template, end-of-turn tokens and tool-call form. */
    ChatFormat chat() {
        return hold.handle().model().decoder(hold.handle().name()).chat();
    }

    /** The serving version as the answer names it ("name:version"). */
    String model() {
        return hold.handle().id();
    }
}
