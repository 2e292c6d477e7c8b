package dev.secateur.serve.api.openai;

/** stream and stream_options, which both generation bodies carry and read alike. */
interface StreamFlags {

    Boolean stream();

    StreamOptions streamOptions();

    default boolean streaming() {
        return Boolean.TRUE.equals(stream());
    }

    default boolean includeUsage() {
        return streamOptions() != null && Boolean.TRUE.equals(streamOptions().includeUsage());
    }
}
