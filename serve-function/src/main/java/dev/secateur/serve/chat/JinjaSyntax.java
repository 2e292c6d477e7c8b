package dev.secateur.serve.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Hugging Face templates are written for Python's Jinja2; the few spellings Jinjava reads otherwise are rewritten
 * before rendering (see {@link #forJinjava}). Everything else Jinjava renders as Jinja2 does, which
 * ChatTemplateJinjaParityTest checks against Jinja2 itself.
 */
final class JinjaSyntax {

    /** Python slicing with a step of −1 (Qwen3 walks messages[::-1]); Jinjava parses slices without a step only. */
    private static final Pattern REVERSED_SLICE = Pattern.compile("\\[\\s*:\\s*:\\s*-1\\s*]");
    /** A block or expression tag, the only places the rewrites apply (never the template's plain text). */
    private static final Pattern TAG = Pattern.compile("\\{%.*?%}|\\{\\{.*?}}", Pattern.DOTALL);
    /**
     * lstrip_blocks as Jinja has it: spaces and tabs from the start of a line up to a block or comment tag. Jinjava's own
     * option also ate spaces in the middle of a line before a tag ({@code {{ x }} {% endfor %}} lost its space).
     */
    private static final Pattern LINE_START_BEFORE_TAG = Pattern.compile("(?m)^[ \\t]+(?=\\{[%#](?!\\+))");
    private static final String NAMESPACE_CALL = "namespace(";
    private static final Pattern NAMED_ARGUMENT = Pattern.compile("^(\\s*[A-Za-z_]\\w*\\s*)=(?!=)(.*)$", Pattern.DOTALL);

    private JinjaSyntax() {
    }

    /**
     * Applies lstrip_blocks (see {@link #LINE_START_BEFORE_TAG}) and rewrites the two Python-Jinja spellings real templates
     * use that Jinjava's parser reads otherwise: {@code x[::-1]}
     * becomes {@code (x|reverse)}, and a {@code namespace(name=value)} argument is parenthesised, because Jinjava binds
     * {@code name=} tighter than arithmetic ({@code last_query_index=messages|length - 1} would subtract 1 from the
     * named parameter).
     */
    static String forJinjava(String template) {
        String out = LINE_START_BEFORE_TAG.matcher(template).replaceAll("");
        Matcher tag = TAG.matcher(out);
        StringBuilder b = new StringBuilder(out.length() + 16);
        int done = 0;
        while (tag.find()) {
            b.append(out, done, tag.start()).append(rewriteTag(tag.group()));
            done = tag.end();
        }
        return b.append(out.substring(done)).toString();
    }

    /** One {% %} or {{ }} tag, rewritten outside its string literals. */
    private static String rewriteTag(String tag) {
        StringBuilder b = new StringBuilder(tag.length() + 16);
        char quote = 0;
        for (int i = 0; i < tag.length(); i++) {
            char c = tag.charAt(i);
            if (quote != 0) {
                b.append(c);
                if (c == '\\' && i + 1 < tag.length()) {
                    b.append(tag.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
                b.append(c);
                continue;
            }
            Matcher reversed = c == '[' ? REVERSED_SLICE.matcher(tag).region(i, tag.length()) : null;
            if (reversed != null && reversed.lookingAt()) {
                int chain = b.length();
                while (chain > 0 && (Character.isJavaIdentifierPart(b.charAt(chain - 1)) || b.charAt(chain - 1) == '.')) {
                    chain--;
                }
                if (chain < b.length()) {
                    String receiver = b.substring(chain);
                    b.setLength(chain);
                    b.append('(').append(receiver).append("|reverse)");
                    i = reversed.end() - 1;
                    continue;
                }
            }
            if (tag.startsWith(NAMESPACE_CALL, i) && (i == 0 || !Character.isJavaIdentifierPart(tag.charAt(i - 1)))) {
                Call namespace = call(tag, i + NAMESPACE_CALL.length());
                if (namespace != null) {
                    b.append(NAMESPACE_CALL).append(parenthesised(namespace.arguments()));
                    i = namespace.close() - 1;
                    continue;
                }
            }
            b.append(c);
        }
        return b.toString();
    }

    /** A call's arguments, split at its top-level commas, and the index of its closing ')'. */
    private record Call(List<String> arguments, int close) {
    }

    /** The call whose '(' is just before {@code from}, skipping quoted strings and nested brackets; null if unclosed. */
    private static Call call(String s, int from) {
        List<String> arguments = new ArrayList<>();
        int depth = 0, start = from;
        char quote = 0;
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth-- == 0) {
                    if (c != ')') {
                        return null;
                    }
                    arguments.add(s.substring(start, i));
                    return new Call(arguments, i);
                }
            } else if (c == ',' && depth == 0) {
                arguments.add(s.substring(start, i));
                start = i + 1;
            }
        }
        return null;
    }

    private static String parenthesised(List<String> arguments) {
        List<String> out = new ArrayList<>();
        for (String a : arguments) {
            Matcher named = NAMED_ARGUMENT.matcher(a);
            out.add(named.matches() && !named.group(2).isBlank() ? named.group(1) + "=(" + named.group(2).strip() + ")" : a);
        }
        return String.join(",", out);
    }
}
