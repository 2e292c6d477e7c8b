package dev.secateur.serve.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;

/**
 * Jinja2's {@code trim}: an undefined value trims to "" (Hermes' tool template trims a parameter's absent
 * description; Jinjava's own filter wrote "null"), and {@code trim(chars)} strips those characters as Python does.
 */
final class TrimFilter implements Filter {

    @Override
    public String getName() {
        return "trim";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        if (var == null) {
            return "";
        }
        String s = var.toString();
        return args.length > 0 && args[0] != null
                ? PythonStringMethods.stripRight(PythonStringMethods.stripLeft(s, args[0]), args[0]) : s.strip();
    }
}
