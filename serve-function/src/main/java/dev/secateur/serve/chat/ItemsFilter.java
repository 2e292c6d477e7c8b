package dev.secateur.serve.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's {@code items} filter ({@code for name, spec in parameters.properties|items}, as Hermes' tool template
 * writes it): a mapping's (key, value) pairs in order. Jinjava has no such filter, and the loop ran over nothing.
 */
final class ItemsFilter implements Filter {

    @Override
    public String getName() {
        return "items";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        if (var instanceof Map<?, ?> m) {
            return new ArrayList<>(m.entrySet());
        }
        return var == null ? List.of() : var;
    }
}
