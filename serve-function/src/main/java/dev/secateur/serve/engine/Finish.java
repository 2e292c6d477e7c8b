package dev.secateur.serve.engine;

/** Why a generation ended, as OpenAI reports it. */
public enum Finish {
    /** EOS token or a stop sequence. */
    STOP("stop"),
    /** max_tokens or the model's context reached. */
    LENGTH("length");

    private final String openAi;

    Finish(String openAi) {
        this.openAi = openAi;
    }

    public String openAi() {
        return openAi;
    }
}
