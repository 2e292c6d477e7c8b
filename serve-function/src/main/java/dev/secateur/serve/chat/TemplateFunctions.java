package dev.secateur.serve.chat;

import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;

/** The globals Hugging Face's apply_chat_template gives templates, as static methods for Jinjava. */
public final class TemplateFunctions {

    /**
     * Where raise_exception leaves its message: Jinjava turns a thrown exception into a generic error, and
     * renders on the caller's thread, so the renderer reads (and clears) it right after rendering.
     */
    static final ThreadLocal<String> RAISED = new ThreadLocal<>();

    private static final Map<Character, String> STRFTIME = Map.ofEntries(
            Map.entry('d', "dd"), Map.entry('m', "MM"), Map.entry('Y', "yyyy"), Map.entry('y', "yy"),
            Map.entry('b', "MMM"), Map.entry('B', "MMMM"), Map.entry('a', "EEE"), Map.entry('A', "EEEE"),
            Map.entry('H', "HH"), Map.entry('I', "hh"), Map.entry('M', "mm"), Map.entry('S', "ss"),
            Map.entry('p', "a"), Map.entry('j', "DDD"));

    private TemplateFunctions() {
    }

    public static String raiseException(String message) {
        if (RAISED.get() == null) {
            RAISED.set(message);
        }
        throw new TemplateRaisedException(message);
    }

    /** Python's strftime in its C locale (English names) for the codes chat templates use (Llama 3.1, Granite). */
    public static String strftimeNow(String format) {
        StringBuilder java = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c == '%' && i + 1 < format.length()) {
                char code = format.charAt(++i);
                java.append(code == '%' ? "'%'" : STRFTIME.getOrDefault(code, "'%" + code + "'"));
            } else if (Character.isLetter(c) || c == '\'') {
                java.append('\'').append(c == '\'' ? "''" : String.valueOf(c)).append('\'');
            } else {
                java.append(c);
            }
        }
        return ZonedDateTime.now().format(DateTimeFormatter.ofPattern(java.toString(), Locale.US));
    }
}
