package io.totesys.pipeline.world;

import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code --name value} options of a command-line tool, over its defaults. */
public final class CommandLineOptions {

    private CommandLineOptions() {
    }

    /** The defaults, with each option given replacing its default; an unknown option is an error. */
    public static Map<String, String> parse(String[] arguments, Map<String, String> defaults) {
        Map<String, String> options = new LinkedHashMap<>(defaults);
        for (int index = 0; index + 1 < arguments.length; index += 2) {
            String name = arguments[index].replaceFirst("^--", "");
            if (!options.containsKey(name)) {
                throw new IllegalArgumentException(
                        "unknown option " + arguments[index] + "; known: " + options.keySet());
            }
            options.put(name, arguments[index + 1]);
        }
        return options;
    }
}
