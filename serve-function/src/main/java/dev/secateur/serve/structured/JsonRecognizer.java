package dev.secateur.serve.structured;

import java.util.ArrayList;
import java.util.List;

/**
 * Reads a JSON text byte by byte and says whether what it has read can still become a value of the shape, and
 * whether it is one already. Immutable: {@link #step} returns the next state, so a decoder can try a token's bytes
 * on the current state and keep or drop the result.
 *
 * <p>It is a pushdown automaton: a state is a set of stacks (threads), one per way of reading the prefix that is
 * still open; alternatives (anyOf, type lists, enum members) each start a thread, and a thread that cannot take a
 * byte ends. Limits that keep a constrained output finite where JSON itself has none: a run of whitespace between
 * two tokens of the text is at most one line break (\n, first) and then spaces or tabs, 1 + {@link #INDENT} × the
 * nesting depth bytes in all (an indentation of four per level; a model that knows no JSON otherwise pads every gap
 * with blank lines; or, on one line, a single space), {@link #MAX_DIGITS} digits in an integer or fraction part
 * and {@link #MAX_EXPONENT_DIGITS} in an exponent, and nothing after the value (no trailing whitespace).
 */
final class JsonRecognizer {

    static final int INDENT = 4;
    static final int MAX_DIGITS = 16;
    static final int MAX_EXPONENT_DIGITS = 3;
    /** Threads kept at most; a schema whose alternatives agree on a long prefix could otherwise multiply them. */
    static final int MAX_THREADS = 64;
    private static final int MAX_REF_CHAIN = 32;

    private sealed interface Frame {
    }

    /**
     * Below the root value; the root's completion leaves {@link Done}. oneLine: whitespace between tokens is at most
     * one space, no line break (a call written as models write one inline).
     */
    private record Root(boolean oneLine) implements Frame {
    }

    private record Done() implements Frame {
    }

    /** A value of a concrete shape (no union, no ref) about to start, after ws whitespace bytes. */
    private record Value(JsonShape shape, int ws) implements Frame {
    }

    /**
     * Inside a string: len characters so far; esc 0 plain, 1 after a backslash, 2..5 for 1..4 hex digits of a \\u
     * escape still to come. key: the key of an object without declared properties. cont: UTF-8 continuation bytes
     * still owed by the character begun, the next of which must lie in lo..hi (the ranges that exclude overlong
     * forms and surrogates), so the text is valid UTF-8 and its length is counted in characters.
     */
    private record Str(int min, int max, int len, int esc, boolean key, int cont, int lo, int hi) implements Frame {
        Str(int min, int max, boolean key) {
            this(min, max, 0, 0, key, 0, 0, 0);
        }

        Str with(int len, int esc) {
            return new Str(min, max, len, esc, key, 0, 0, 0);
        }
    }

    private record Num(boolean integer, int phase, int digits) implements Frame {
    }

    private record Lit(byte[] text, int pos) implements Frame {
    }

    /** A declared property's name being matched: the candidates still possible after pos bytes. */
    private record Key(JsonShape.Obj obj, long candidates, int pos) implements Frame {
    }

    /** current: the property whose value comes next (-1 for a key of an object without declared properties). */
    private record Obj(JsonShape.Obj shape, int phase, long used, int current, int ws) implements Frame {
    }

    private record Arr(JsonShape.Array shape, int phase, int count, int ws) implements Frame {
    }

    private record Stack(Frame top, Stack below) {
    }

    // object phases
    private static final int OPEN = 0, NEXT_KEY = 1, AFTER_KEY = 2, AFTER_VALUE = 3, IN_VALUE = 4;
    // array phases: OPEN, AFTER_VALUE, IN_VALUE as above, and
    private static final int NEXT_ITEM = 1;
    // number phases
    private static final int SIGN = 0, ZERO = 1, INT = 2, DOT = 3, FRAC = 4, EXP_MARK = 5, EXP_SIGN = 6, EXP = 7;
    // what completed, for the frame below
    private static final int VALUE_DONE = -2, ANY_KEY_DONE = -1;

    private static final JsonShape.Array ANY_ARRAY = new JsonShape.Array(new JsonShape.AnyValue(), 0, Integer.MAX_VALUE);
    private static final byte[] TRUE = {'t', 'r', 'u', 'e'}, FALSE = {'f', 'a', 'l', 's', 'e'}, NULL = {'n', 'u', 'l', 'l'};

    private final Stack[] threads;

    private JsonRecognizer(Stack[] threads) {
        this.threads = threads;
    }

    static JsonRecognizer start(JsonShape root) {
        return start(root, false);
    }

    /** @param oneLine at most one space between tokens and no line break, instead of the indented layout */
    static JsonRecognizer start(JsonShape root, boolean oneLine) {
        List<Stack> out = new ArrayList<>();
        pushValue(new Stack(new Root(oneLine), null), root, out);
        return new JsonRecognizer(out.toArray(Stack[]::new));
    }

    /** The state after one more byte (0..255), or null when no value of the shape starts with what was read. */
    JsonRecognizer step(int b) {
        List<Stack> out = new ArrayList<>(threads.length + 2);
        for (Stack s : threads) {
            feed(s, b, out);
            if (out.size() >= MAX_THREADS) {
                break;
            }
        }
        return out.isEmpty() ? null : new JsonRecognizer(out.toArray(Stack[]::new));
    }

    /** The state after bytes[from..], or null. */
    JsonRecognizer steps(byte[] bytes, int from) {
        JsonRecognizer s = this;
        for (int i = from; i < bytes.length && s != null; i++) {
            s = s.step(bytes[i] & 0xFF);
        }
        return s;
    }

    /** Whether what was read is a whole value (the output may end here). */
    boolean canEnd() {
        for (Stack s : threads) {
            if (s.top instanceof Done || (s.top instanceof Num n && isFinal(n.phase) && s.below.top instanceof Root)) {
                return true;
            }
        }
        return false;
    }

    /** Whether what was read is a whole value and nothing may follow it. */
    boolean mustEnd() {
        for (Stack s : threads) {
            if (!(s.top instanceof Done)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether every thread is inside a string with no length limit, no escape and no character begun: then printable
     * ASCII other than quote and backslash keeps the state as it is, which spares a decoder simulating it.
     */
    boolean inFreeString() {
        for (Stack s : threads) {
            if (!(s.top instanceof Str t) || t.esc != 0 || t.cont != 0 || t.max != Integer.MAX_VALUE) {
                return false;
            }
        }
        return true;
    }

    private static void feed(Stack s, int b, List<Stack> out) {
        Frame top = s.top;
        if (top instanceof Value v) {
            if (isSpace(b)) {
                if (spaceFits(b, v.ws, s.below, 0)) {
                    out.add(new Stack(new Value(v.shape, v.ws + 1), s.below));
                }
            } else {
                start(v.shape, b, s.below, out);
            }
        } else if (top instanceof Str t) {
            string(t, b, s.below, out);
        } else if (top instanceof Num n) {
            number(n, b, s.below, out);
        } else if (top instanceof Lit l) {
            if (l.text[l.pos] == (byte) b) {
                if (l.pos + 1 == l.text.length) {
                    complete(s.below, VALUE_DONE, out);
                } else {
                    out.add(new Stack(new Lit(l.text, l.pos + 1), s.below));
                }
            }
        } else if (top instanceof Key k) {
            key(k, b, s.below, out);
        } else if (top instanceof Obj o) {
            object(o, b, s.below, out);
        } else if (top instanceof Arr a) {
            array(a, b, s.below, out);
        }
        // Done and Root take no bytes: nothing follows the value
    }

    private static void start(JsonShape shape, int b, Stack below, List<Stack> out) {
        if (shape instanceof JsonShape.AnyValue) {
            switch (b) {
                case '{' -> out.add(new Stack(new Obj(JsonShape.Obj.ANY, OPEN, 0, -1, 0), below));
                case '[' -> out.add(new Stack(new Arr(ANY_ARRAY, OPEN, 0, 0), below));
                case '"' -> out.add(new Stack(new Str(0, Integer.MAX_VALUE, false), below));
                case 't' -> out.add(new Stack(new Lit(TRUE, 1), below));
                case 'f' -> out.add(new Stack(new Lit(FALSE, 1), below));
                case 'n' -> out.add(new Stack(new Lit(NULL, 1), below));
                default -> numberStart(false, b, below, out);
            }
        } else if (shape instanceof JsonShape.Text t) {
            if (b == '"') {
                out.add(new Stack(new Str(t.minLength(), t.maxLength(), false), below));
            }
        } else if (shape instanceof JsonShape.Number n) {
            numberStart(n.integer(), b, below, out);
        } else if (shape instanceof JsonShape.Bool) {
            if (b == 't') {
                out.add(new Stack(new Lit(TRUE, 1), below));
            } else if (b == 'f') {
                out.add(new Stack(new Lit(FALSE, 1), below));
            }
        } else if (shape instanceof JsonShape.Null) {
            if (b == 'n') {
                out.add(new Stack(new Lit(NULL, 1), below));
            }
        } else if (shape instanceof JsonShape.Literal l) {
            if (l.text()[0] == (byte) b) {
                if (l.text().length == 1) {
                    complete(below, VALUE_DONE, out);
                } else {
                    out.add(new Stack(new Lit(l.text(), 1), below));
                }
            }
        } else if (shape instanceof JsonShape.Obj o) {
            if (b == '{') {
                out.add(new Stack(new Obj(o, OPEN, 0, -1, 0), below));
            }
        } else if (shape instanceof JsonShape.Array a) {
            if (b == '[') {
                out.add(new Stack(new Arr(a, OPEN, 0, 0), below));
            }
        } else {
            throw new IllegalStateException("unions and refs are expanded when pushed: " + shape);
        }
    }

    /** One thread per concrete alternative of the shape, each with a value of it about to start. */
    private static void pushValue(Stack below, JsonShape shape, List<Stack> out) {
        List<JsonShape> concrete = new ArrayList<>();
        expand(shape, concrete, 0);
        for (JsonShape c : concrete) {
            out.add(new Stack(new Value(c, 0), below));
        }
    }

    private static void expand(JsonShape shape, List<JsonShape> out, int refs) {
        if (shape instanceof JsonShape.Union u) {
            for (JsonShape o : u.options()) {
                expand(o, out, refs);
            }
        } else if (shape instanceof JsonShape.Ref r) {
            if (refs < MAX_REF_CHAIN) { // a chain of refs that never reaches a schema admits nothing
                expand(r.target(), out, refs + 1);
            }
        } else if (!out.contains(shape)) {
            out.add(shape);
        }
    }

    /** What the frame below does once a value (or a key) above it is complete. */
    private static void complete(Stack below, int what, List<Stack> out) {
        Frame f = below.top;
        if (f instanceof Root) {
            out.add(new Stack(new Done(), null));
        } else if (f instanceof Obj o) {
            if (what == VALUE_DONE) {
                out.add(new Stack(new Obj(o.shape, AFTER_VALUE, o.used, -1, 0), below.below));
            } else {
                long used = what >= 0 ? o.used | (1L << what) : o.used;
                out.add(new Stack(new Obj(o.shape, AFTER_KEY, used, what, 0), below.below));
            }
        } else if (f instanceof Arr a) {
            out.add(new Stack(new Arr(a.shape, AFTER_VALUE, a.count + 1, 0), below.below));
        } else {
            throw new IllegalStateException("no value completes onto " + f);
        }
    }

    private static void string(Str t, int b, Stack below, List<Stack> out) {
        if (t.cont > 0) {
            if (b >= t.lo && b <= t.hi) {
                out.add(new Stack(new Str(t.min, t.max, t.len, 0, t.key, t.cont - 1, 0x80, 0xBF), below));
            }
        } else if (t.esc == 0) {
            if (b == '"') {
                if (t.len >= t.min) {
                    complete(below, t.key ? ANY_KEY_DONE : VALUE_DONE, out);
                }
            } else if (t.len + 1 > t.max) {
                return; // only the closing quote fits: an escape begun here could not be finished
            } else if (b == '\\') {
                out.add(new Stack(t.with(t.len, 1), below));
            } else {
                Str next = lead(t, b);
                if (next != null) {
                    out.add(new Stack(next, below));
                }
            }
        } else if (t.esc == 1) {
            if (t.len + 1 <= t.max) {
                if ("\"\\/bfnrt".indexOf(b) >= 0) {
                    out.add(new Stack(t.with(t.len + 1, 0), below));
                } else if (b == 'u') {
                    out.add(new Stack(t.with(t.len + 1, 5), below));
                }
            }
        } else if (Character.digit(b, 16) >= 0 && b < 0x80) {
            out.add(new Stack(t.with(t.len, t.esc - 1 == 1 ? 0 : t.esc - 1), below));
        }
    }

    /** The string after the first byte of a character (well-formed UTF-8 only, as RFC 3629 defines it). */
    private static Str lead(Str t, int b) {
        int len = t.len + 1;
        if (b >= 0x20 && b < 0x80) {
            return t.with(len, 0);
        }
        if (b >= 0xC2 && b <= 0xDF) {
            return new Str(t.min, t.max, len, 0, t.key, 1, 0x80, 0xBF);
        }
        if (b >= 0xE0 && b <= 0xEF) {
            return new Str(t.min, t.max, len, 0, t.key, 2, b == 0xE0 ? 0xA0 : 0x80, b == 0xED ? 0x9F : 0xBF);
        }
        if (b >= 0xF0 && b <= 0xF4) {
            return new Str(t.min, t.max, len, 0, t.key, 3, b == 0xF0 ? 0x90 : 0x80, b == 0xF4 ? 0x8F : 0xBF);
        }
        return null; // control characters, stray continuation bytes, bytes UTF-8 never uses
    }

    private static void numberStart(boolean integer, int b, Stack below, List<Stack> out) {
        if (b == '-') {
            out.add(new Stack(new Num(integer, SIGN, 0), below));
        } else if (b == '0') {
            out.add(new Stack(new Num(integer, ZERO, 1), below));
        } else if (b >= '1' && b <= '9') {
            out.add(new Stack(new Num(integer, INT, 1), below));
        }
    }

    private static boolean isFinal(int phase) {
        return phase == ZERO || phase == INT || phase == FRAC || phase == EXP;
    }

    private static void number(Num n, int b, Stack below, List<Stack> out) {
        boolean digit = b >= '0' && b <= '9';
        Num next = switch (n.phase) {
            case SIGN -> b == '0' ? new Num(n.integer, ZERO, 1) : digit ? new Num(n.integer, INT, 1) : null;
            case ZERO -> fractionOrExponent(n, b);
            case INT -> digit ? (n.digits < MAX_DIGITS ? new Num(n.integer, INT, n.digits + 1) : null) : fractionOrExponent(n, b);
            case DOT -> digit ? new Num(n.integer, FRAC, 1) : null;
            case FRAC -> digit ? (n.digits < MAX_DIGITS ? new Num(n.integer, FRAC, n.digits + 1) : null)
                    : (b == 'e' || b == 'E') ? new Num(n.integer, EXP_MARK, 0) : null;
            case EXP_MARK -> (b == '+' || b == '-') ? new Num(n.integer, EXP_SIGN, 0) : digit ? new Num(n.integer, EXP, 1) : null;
            case EXP_SIGN -> digit ? new Num(n.integer, EXP, 1) : null;
            default -> digit && n.digits < MAX_EXPONENT_DIGITS ? new Num(n.integer, EXP, n.digits + 1) : null;
        };
        if (next != null) {
            out.add(new Stack(next, below));
        } else if (isFinal(n.phase) && !digit) {
            // a number ends at the first byte that cannot continue it; that byte belongs to what holds the number
            List<Stack> after = new ArrayList<>(1);
            complete(below, VALUE_DONE, after);
            for (Stack s : after) {
                feed(s, b, out);
            }
        }
    }

    private static Num fractionOrExponent(Num n, int b) {
        if (n.integer) {
            return null;
        }
        if (b == '.') {
            return new Num(false, DOT, 0);
        }
        return b == 'e' || b == 'E' ? new Num(false, EXP_MARK, 0) : null;
    }

    private static void key(Key k, int b, Stack below, List<Stack> out) {
        List<JsonShape.Property> props = k.obj.properties();
        if (b == '"') {
            for (int i = 0; i < props.size(); i++) {
                if ((k.candidates & (1L << i)) != 0 && props.get(i).key().length == k.pos) {
                    complete(below, i, out);
                    return;
                }
            }
            return;
        }
        long next = 0;
        for (int i = 0; i < props.size(); i++) {
            byte[] name = props.get(i).key();
            if ((k.candidates & (1L << i)) != 0 && name.length > k.pos && name[k.pos] == (byte) b) {
                next |= 1L << i;
            }
        }
        if (next != 0) {
            out.add(new Stack(new Key(k.obj, next, k.pos + 1), below));
        }
    }

    private static void object(Obj o, int b, Stack below, List<Stack> out) {
        if (isSpace(b)) {
            if (spaceFits(b, o.ws, below, 1)) {
                out.add(new Stack(new Obj(o.shape, o.phase, o.used, o.current, o.ws + 1), below));
            }
            return;
        }
        Stack here = new Stack(new Obj(o.shape, o.phase, o.used, o.current, 0), below);
        switch (o.phase) {
            case OPEN, NEXT_KEY -> {
                if (b == '"') {
                    startKey(o, here, out);
                } else if (b == '}' && o.phase == OPEN && requiredDone(o)) {
                    complete(below, VALUE_DONE, out);
                }
            }
            case AFTER_KEY -> {
                if (b == ':') {
                    JsonShape value = o.current >= 0 ? o.shape.properties().get(o.current).shape() : o.shape.additional();
                    pushValue(new Stack(new Obj(o.shape, IN_VALUE, o.used, o.current, 0), below), value, out);
                }
            }
            case AFTER_VALUE -> {
                if (b == ',' && moreKeys(o)) {
                    out.add(new Stack(new Obj(o.shape, NEXT_KEY, o.used, -1, 0), below));
                } else if (b == '}' && requiredDone(o)) {
                    complete(below, VALUE_DONE, out);
                }
            }
            default -> throw new IllegalStateException("an object waiting for its value reads no bytes");
        }
    }

    private static void startKey(Obj o, Stack here, List<Stack> out) {
        if (o.shape.hasProperties()) {
            long all = o.shape.properties().size() == 64 ? -1L : (1L << o.shape.properties().size()) - 1;
            long open = all & ~o.used;
            if (open != 0) {
                out.add(new Stack(new Key(o.shape, open, 0), here));
            }
        } else if (o.shape.additional() != null) {
            out.add(new Stack(new Str(0, Integer.MAX_VALUE, true), here));
        }
    }

    private static boolean moreKeys(Obj o) {
        if (o.shape.hasProperties()) {
            return Long.bitCount(o.used) < o.shape.properties().size();
        }
        return o.shape.additional() != null;
    }

    private static boolean requiredDone(Obj o) {
        return (o.used & o.shape.requiredMask()) == o.shape.requiredMask();
    }

    private static void array(Arr a, int b, Stack below, List<Stack> out) {
        if (isSpace(b)) {
            if (spaceFits(b, a.ws, below, 1)) {
                out.add(new Stack(new Arr(a.shape, a.phase, a.count, a.ws + 1), below));
            }
            return;
        }
        switch (a.phase) {
            case OPEN -> {
                if (b == ']') {
                    if (a.shape.minItems() == 0) {
                        complete(below, VALUE_DONE, out);
                    }
                } else if (a.shape.maxItems() > 0) {
                    item(a, b, below, out);
                }
            }
            case AFTER_VALUE -> {
                if (b == ',' && a.count < a.shape.maxItems()) {
                    out.add(new Stack(new Arr(a.shape, NEXT_ITEM, a.count, 0), below));
                } else if (b == ']' && a.count >= a.shape.minItems()) {
                    complete(below, VALUE_DONE, out);
                }
            }
            case NEXT_ITEM -> item(a, b, below, out);
            default -> throw new IllegalStateException("an array waiting for its item reads no bytes");
        }
    }

    private static void item(Arr a, int b, Stack below, List<Stack> out) {
        List<Stack> started = new ArrayList<>(2);
        pushValue(new Stack(new Arr(a.shape, IN_VALUE, a.count, 0), below), a.shape.items(), started);
        for (Stack s : started) {
            feed(s, b, out);
        }
    }

    /**
     * Whether one more whitespace byte fits the run of ws before it: a line break only first, then spaces or tabs up
     * to the run's limit at this depth (the open objects and arrays below, plus the frame's own); on one line, one
     * space.
     */
    private static boolean spaceFits(int b, int ws, Stack below, int own) {
        int depth = own;
        boolean oneLine = false;
        for (Stack s = below; s != null; s = s.below) {
            depth += s.top instanceof Obj || s.top instanceof Arr ? 1 : 0;
            oneLine = s.top instanceof Root r ? r.oneLine : oneLine;
        }
        if (oneLine) {
            return b == ' ' && ws == 0;
        }
        if (b == '\n') {
            return ws == 0;
        }
        return b != '\r' && ws < 1 + INDENT * depth;
    }

    private static boolean isSpace(int b) {
        return b == ' ' || b == '\n' || b == '\t' || b == '\r';
    }
}
