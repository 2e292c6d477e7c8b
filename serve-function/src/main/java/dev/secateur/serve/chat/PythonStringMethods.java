package dev.secateur.serve.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python's str methods as chat templates call them on strings (Jinja runs on Python, so Hugging Face templates write
 * {@code content.split('</think>')[-1].lstrip('\n')}); Jinjava would look them up as Java methods, which either do not
 * exist (lstrip, title), take other arguments (strip(chars)) or mean something else (split takes a regex and drops
 * trailing empty parts). Placed before Jinjava's own resolver, it answers only calls on strings it knows by name.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) {
            return null;
        }
        Object[] a = params == null ? new Object[0] : params;
        Object result = switch (method.toString()) {
            case "strip" -> a.length == 0 || a[0] == null ? s.strip() : stripRight(stripLeft(s, a[0].toString()), a[0].toString());
            case "lstrip" -> a.length == 0 || a[0] == null ? s.stripLeading() : stripLeft(s, a[0].toString());
            case "rstrip" -> a.length == 0 || a[0] == null ? s.stripTrailing() : stripRight(s, a[0].toString());
            case "split" -> a.length == 0 || a[0] == null ? splitWhitespace(s) : split(s, a[0].toString(), a.length > 1 ? toInt(a[1]) : -1);
            case "startswith" -> anyMatch(a, p -> s.startsWith(p));
            case "endswith" -> anyMatch(a, p -> s.endsWith(p));
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "join" -> a.length == 1 && a[0] instanceof Iterable<?> items ? join(s, items) : null;
            case "count" -> a.length >= 1 && a[0] != null ? (long) count(s, a[0].toString()) : null;
            case "find" -> a.length >= 1 && a[0] != null ? (long) s.indexOf(a[0].toString()) : null;
            default -> null;
        };
        if (result != null) {
            context.setPropertyResolved(true);
        }
        return result;
    }

    /** startswith/endswith take one string or a tuple of them. */
    private static Boolean anyMatch(Object[] a, Predicate<String> t) {
        if (a.length != 1 || a[0] == null) {
            return null;
        }
        if (a[0] instanceof Iterable<?> options) {
            for (Object o : options) {
                if (o != null && t.test(o.toString())) {
                    return true;
                }
            }
            return false;
        }
        return t.test(a[0].toString());
    }

    static String stripLeft(String s, String chars) {
        int i = 0;
        while (i < s.length() && chars.indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        return s.substring(i);
    }

    static String stripRight(String s, String chars) {
        int j = s.length();
        while (j > 0 && chars.indexOf(s.charAt(j - 1)) >= 0) {
            j--;
        }
        return s.substring(0, j);
    }

    /** str.split(sep, maxsplit): a literal separator, empty parts kept (trailing ones too). */
    private static List<String> split(String s, String sep, int maxSplit) {
        if (sep.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        List<String> out = new ArrayList<>();
        int from = 0;
        while (maxSplit < 0 || out.size() < maxSplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) {
                break;
            }
            out.add(s.substring(from, at));
            from = at + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    /** str.split(): runs of whitespace separate, no empty parts. */
    private static List<String> splitWhitespace(String s) {
        List<String> out = new ArrayList<>();
        for (String part : s.strip().split("\\s+")) {
            if (!part.isEmpty()) {
                out.add(part);
            }
        }
        return out;
    }

    private static String title(String s) {
        StringBuilder b = new StringBuilder(s.length());
        boolean start = true;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            b.append(start ? Character.toUpperCase(c) : Character.toLowerCase(c));
            start = !Character.isLetter(c);
        }
        return b.toString();
    }

    private static String join(String sep, Iterable<?> items) {
        StringBuilder b = new StringBuilder();
        boolean first = true;
        for (Object o : items) {
            if (!first) {
                b.append(sep);
            }
            b.append(o);
            first = false;
        }
        return b.toString();
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
            n++;
        }
        return n;
    }

    private static int toInt(Object o) {
        return o instanceof Number n ? n.intValue() : Integer.parseInt(o.toString());
    }

    // Not a property resolver: every lookup other than these method calls goes on to Jinjava's own resolvers.

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }
}
