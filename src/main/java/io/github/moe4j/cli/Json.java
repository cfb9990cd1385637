package io.github.moe4j.cli;

import java.util.List;
import java.util.Map;

/** A minimal JSON writer for the CLI's machine-readable output (maps, lists, strings, numbers, booleans). */
final class Json {
    private Json() {
    }

    static String write(Object value) {
        StringBuilder sb = new StringBuilder();
        write(sb, value, 0);
        return sb.toString();
    }

    /** The value on one line ({@code {"a": 1, "b": [1, 2]}}), for "one JSON object as the last line" contracts. */
    static String line(Object value) {
        StringBuilder sb = new StringBuilder();
        line(sb, value);
        return sb.toString();
    }

    private static void line(StringBuilder sb, Object v) {
        switch (v) {
            case Map<?, ?> m -> {
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(first ? "" : ", ");
                    first = false;
                    string(sb, String.valueOf(e.getKey()));
                    sb.append(": ");
                    line(sb, e.getValue());
                }
                sb.append('}');
            }
            case List<?> l -> {
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    sb.append(i > 0 ? ", " : "");
                    line(sb, l.get(i));
                }
                sb.append(']');
            }
            case null, default -> write(sb, v, 0);
        }
    }

    private static void write(StringBuilder sb, Object v, int indent) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> string(sb, s);
            case Boolean b -> sb.append(b);
            case Double d -> sb.append(Double.isFinite(d) ? d.toString() : "null");
            case Float f -> sb.append(Float.isFinite(f) ? f.toString() : "null");
            case Number n -> sb.append(n);
            case Map<?, ?> m -> {
                if (m.isEmpty()) {
                    sb.append("{}");
                    return;
                }
                sb.append("{");
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    sb.append(first ? "\n" : ",\n");
                    first = false;
                    indent(sb, indent + 1);
                    string(sb, String.valueOf(e.getKey()));
                    sb.append(": ");
                    write(sb, e.getValue(), indent + 1);
                }
                sb.append('\n');
                indent(sb, indent);
                sb.append('}');
            }
            case List<?> l -> {
                boolean flat = l.stream().noneMatch(x -> x instanceof Map || x instanceof List);
                sb.append('[');
                for (int i = 0; i < l.size(); i++) {
                    if (i > 0) {
                        sb.append(flat ? ", " : ",");
                    }
                    if (!flat) {
                        sb.append('\n');
                        indent(sb, indent + 1);
                    }
                    write(sb, l.get(i), indent + 1);
                }
                if (!flat && !l.isEmpty()) {
                    sb.append('\n');
                    indent(sb, indent);
                }
                sb.append(']');
            }
            default -> string(sb, v.toString());
        }
    }

    private static void indent(StringBuilder sb, int n) {
        sb.append("  ".repeat(n));
    }

    private static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
