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
        java.util.Deque<String> loops = new java.util.ArrayDeque<>(); // the sequence of each enclosing for, or "" if not a plain name
        int done = 0;
        while (tag.find()) {
            String t = tag.group();
            Matcher forTag = FOR_TAG.matcher(t);
            if (forTag.matches()) {
                loops.push(forTag.group(1) == null ? "" : forTag.group(1));
            } else if (END_FOR.matcher(t).matches() && !loops.isEmpty()) {
                loops.pop();
            } else if (!loops.isEmpty() && !loops.peek().isEmpty()) {
                t = neighbours(t, loops.peek());
            }
            b.append(out, done, tag.start()).append(rewriteTag(t));
            done = tag.end();
        }
        return b.append(out.substring(done)).toString();
    }

    /** A for over a plain variable path (what previtem/nextitem can index), with no filter or condition. */
    private static final Pattern FOR_TAG = Pattern.compile(
            "\\{%-?\\s*for\\s+[\\w\\s,]+?\\s+in\\s+(?:([A-Za-z_][\\w.]*)\\s*|.*?)-?%}", Pattern.DOTALL);
    private static final Pattern END_FOR = Pattern.compile("\\{%-?\\s*endfor\\s*-?%}");
    private static final Pattern PREVITEM = Pattern.compile("\\bloop\\.previtem\\b");
    private static final Pattern NEXTITEM = Pattern.compile("\\bloop\\.nextitem\\b");

    /**
     * Jinja2's loop.previtem and loop.nextitem (Hermes 3's tool template groups consecutive tool answers with them), which
     * Jinjava's loop lacks, as the sequence indexed around loop.index0; none at either end.
     */
    private static String neighbours(String tag, String sequence) {
        String prev = PREVITEM.matcher(tag).replaceAll(Matcher.quoteReplacement(
                "(" + sequence + "[loop.index0 - 1] if loop.index0 > 0 else null)"));
        return NEXTITEM.matcher(prev).replaceAll(Matcher.quoteReplacement(
                "(" + sequence + "[loop.index0 + 1] if not loop.last else null)"));
    }

    /** One {% %} or {{ }} tag, rewritten outside its string literals. */
    private static String rewriteTag(String tag) {
        StringBuilder b = new StringBuilder(tag.length() + 16);
        java.util.Deque<Integer> closeAt = new java.util.ArrayDeque<>(); // where a rewritten "not (" closes
        char quote = 0;
        for (int i = 0; i < tag.length(); i++) {
            while (quote == 0 && !closeAt.isEmpty() && closeAt.peek() <= i) {
                closeAt.pop();
                b.append(')');
            }
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
            if (unaryNot(tag, i, b)) {
                int end = operandEnd(tag, i + 3);
                b.append("not (");
                closeAt.push(end);
                i += 2;
                continue;
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

    private static final java.util.Set<String> BEFORE_UNARY_NOT = java.util.Set.of("and", "or", "not", "if", "elif", "else");
    private static final java.util.Set<String> ENDS_NOT_OPERAND = java.util.Set.of("and", "or", "if", "else");

    /**
     * A prefix {@code not} at {@code i}: in Jinja2 it binds looser than comparisons, filters and arithmetic ({@code not
     * x|length == 1} is {@code not ((x|length) == 1)}), in Jinjava's EL tighter than all of them, so its operand is
     * parenthesised. Not {@code x not in y} nor {@code is not}: there the word follows an operand or "is".
     */
    private static boolean unaryNot(String tag, int i, StringBuilder before) {
        if (!tag.startsWith("not", i) || (i > 0 && Character.isJavaIdentifierPart(tag.charAt(i - 1)))
                || i + 3 >= tag.length() || !(Character.isWhitespace(tag.charAt(i + 3)) || tag.charAt(i + 3) == '(')) {
            return false;
        }
        int j = before.length();
        while (j > 0 && Character.isWhitespace(before.charAt(j - 1))) {
            j--;
        }
        if (j == 0) {
            return true;
        }
        char p = before.charAt(j - 1);
        if (!Character.isJavaIdentifierPart(p)) {
            return p != ')' && p != ']' && p != '}' && p != '\'' && p != '"';
        }
        int w = j;
        while (w > 0 && Character.isJavaIdentifierPart(before.charAt(w - 1))) {
            w--;
        }
        return BEFORE_UNARY_NOT.contains(before.substring(w, j));
    }

    /** Where the operand of a prefix not that starts at {@code from} ends: and, or, a ternary's if/else, a comma, a closing bracket or the tag's end, at depth 0. */
    private static int operandEnd(String tag, int from) {
        int depth = 0;
        char quote = 0;
        int end = tag.length();
        for (int i = from; i < tag.length(); i++) {
            char c = tag.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || (c == '{' && depth >= 0)) {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) {
                    end = i;
                    break;
                }
                depth--;
            } else if (depth == 0 && (c == ',' || (c == '%' && i + 1 < tag.length() && tag.charAt(i + 1) == '}')
                    || (c == '-' && i + 2 < tag.length() && (tag.startsWith("%}", i + 1) || tag.startsWith("}}", i + 1))))) {
                end = i;
                break;
            } else if (depth == 0 && Character.isJavaIdentifierStart(c) && !Character.isJavaIdentifierPart(tag.charAt(i - 1))) {
                int w = i;
                while (w < tag.length() && Character.isJavaIdentifierPart(tag.charAt(w))) {
                    w++;
                }
                if (ENDS_NOT_OPERAND.contains(tag.substring(i, w))) {
                    end = i;
                    break;
                }
                i = w - 1;
            }
        }
        while (end > from && Character.isWhitespace(tag.charAt(end - 1))) {
            end--;
        }
        return end;
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
