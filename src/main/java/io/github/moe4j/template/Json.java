package io.github.moe4j.template;

import io.github.moe4j.template.Py.Undefined;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps} as HuggingFace's {@code tojson} filter calls it: non-ASCII kept (unless
 * {@code ensure_ascii}), separators {@code ", "} and {@code ": "} (or {@code ","} with an indent),
 * optional indent and sorted keys.
 */
final class Json {
    private final Renderer r;
    private final String indent;
    private final String itemSep;
    private final String keySep;
    private final boolean sortKeys;
    private final boolean ascii;
    private final StringBuilder sb = new StringBuilder();

    private Json(Renderer r, String indent, String itemSep, String keySep, boolean sortKeys, boolean ascii) {
        this.r = r;
        this.indent = indent;
        this.itemSep = itemSep;
        this.keySep = keySep;
        this.sortKeys = sortKeys;
        this.ascii = ascii;
    }

    static String dumps(Renderer r, Object v, Object indent, Object separators, boolean sortKeys, boolean ascii) {
        String ind = null;
        if (indent instanceof String s) {
            ind = s;
        } else if (Py.isInt(indent)) {
            ind = " ".repeat((int) Math.max(0, Math.min(64, Py.toLong(indent))));
        } else if (indent != null && !(indent instanceof Undefined)) {
            throw r.error("TypeError: indent must be an int or a string");
        }
        String itemSep = ind != null ? "," : ", ";
        String keySep = ": ";
        if (separators instanceof List<?> l && l.size() == 2 && l.get(0) instanceof String a && l.get(1) instanceof String b) {
            itemSep = a;
            keySep = b;
        } else if (separators != null && !(separators instanceof Undefined)) {
            throw r.error("TypeError: separators must be a pair of strings");
        }
        Json j = new Json(r, ind, itemSep, keySep, sortKeys, ascii);
        j.write(v, 0);
        r.charge(j.sb.length() >> 4);
        return j.sb.toString();
    }

    private void newline(int level) {
        if (indent != null) {
            sb.append('\n');
            for (int i = 0; i < level; i++) {
                sb.append(indent);
            }
        }
    }

    private void write(Object v, int level) {
        if (level > 500) {
            throw r.error("ValueError: value nested too deeply for tojson");
        }
        r.checkSize(sb.length());
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof Long l) {
            sb.append(l);
        } else if (v instanceof Double d) {
            sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : Py.floatRepr(d));
        } else if (v instanceof String s) {
            string(s);
        } else if (v instanceof List<?> l && !(v instanceof Py.Range)) {
            if (l.isEmpty()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(itemSep);
                }
                newline(level + 1);
                write(l.get(i), level + 1);
            }
            newline(level);
            sb.append(']');
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            List<Map.Entry<String, Object>> entries = new ArrayList<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                entries.add(Map.entry(key(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
            }
            if (sortKeys) {
                entries.sort((x, y) -> Py.compareStrings(x.getKey(), y.getKey()));
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<String, Object> e : entries) {
                if (!first) {
                    sb.append(itemSep);
                }
                first = false;
                newline(level + 1);
                string(e.getKey());
                sb.append(keySep);
                write(e.getValue() == NULL ? null : e.getValue(), level + 1);
            }
            newline(level);
            sb.append('}');
        } else {
            throw r.error("TypeError: Object of type " + Py.typeName(v) + " is not JSON serializable");
        }
    }

    private static final Object NULL = new Object();

    private String key(Object k) {
        if (k instanceof String s) {
            return s;
        }
        if (k == null) {
            return "null";
        }
        if (k instanceof Boolean b) {
            return b ? "true" : "false";
        }
        if (k instanceof Long || k instanceof Double) {
            return Py.str(k);
        }
        throw r.error("TypeError: keys must be str, int, float, bool or None, not " + Py.typeName(k));
    }

    private void string(String s) {
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
                    if (c < 0x20 || (ascii && c > 0x7e)) {
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
