package dev.secateur.serve.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import java.util.Map;

/**
 * Jinja2's {@code is iterable} and {@code is sequence} hold for strings too (a Python str iterates and indexes);
 * Jinjava's do not, so Llama 3.1's "content is mapping or content is iterable" sent a tool's string answer
 * through tojson in Jinja2 but not here.
 */
final class PythonTypeTests {

    private PythonTypeTests() {
    }

    static final ExpTest ITERABLE = test("iterable");
    static final ExpTest SEQUENCE = test("sequence");

    private static ExpTest test(String name) {
        return new ExpTest() {
            @Override
            public String getName() {
                return name;
            }

            @Override
            public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
                return var instanceof Iterable<?> || var instanceof Map<?, ?> || var instanceof CharSequence
                        || (var != null && var.getClass().isArray());
            }
        };
    }
}
