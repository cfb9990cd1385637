package io.github.moe4j.template;

import java.math.BigDecimal;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Python value semantics for template values. Values are: {@code null} (None), {@link Undefined},
 * Boolean, Long (int), Double (float), String, {@link Tuple} and other Lists (list), LinkedHashMap
 * (dict), {@link Namespace}, {@link Callable}s and the loop object. Nothing else reaches a template.
 */
final class Py {
    private Py() {
    }

    // ---- value types -------------------------------------------------------------------------

    /** jinja2's default Undefined: prints as '', iterates as empty, fails on attribute access. */
    record Undefined(String hint) {
        TemplateError fail(int line) {
            return new TemplateError(hint, line);
        }
    }

    /** markupsafe's Markup: a string marked safe; {@code +} with a plain string escapes the plain one. */
    record Markup(String s) {
        static String escape(String v) {
            return v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&#34;")
                    .replace("'", "&#39;");
        }
    }

    /** A Python tuple: an immutable list that prints with parentheses. */
    static final class Tuple extends AbstractList<Object> {
        private final Object[] items;

        Tuple(Object... items) {
            this.items = items;
        }

        Tuple(List<?> items) {
            this.items = items.toArray();
        }

        @Override
        public Object get(int i) {
            return items[i];
        }

        @Override
        public int size() {
            return items.length;
        }
    }

    /** A Python range: a lazy sequence of ints that prints as {@code range(start, stop[, step])}. */
    static final class Range extends AbstractList<Object> {
        final long start;
        final long stop;
        final long step;
        private final int size;

        Range(long start, long stop, long step) {
            this.start = start;
            this.stop = stop;
            this.step = step;
            long n = step > 0 ? (stop > start ? (stop - start + step - 1) / step : 0)
                    : (start > stop ? (start - stop - step - 1) / -step : 0);
            this.size = (int) Math.min(Integer.MAX_VALUE, n);
        }

        static long length(long start, long stop, long step) {
            return step > 0 ? (stop > start ? (stop - start + step - 1) / step : 0)
                    : (start > stop ? (start - stop - step - 1) / -step : 0);
        }

        @Override
        public Object get(int i) {
            return start + i * step;
        }

        @Override
        public int size() {
            return size;
        }
    }

    /** jinja2's namespace(): the one object whose attributes a template may assign. */
    static final class Namespace {
        final LinkedHashMap<String, Object> attrs = new LinkedHashMap<>();
    }

    /** A one-shot iterator, as jinja2's select/map/items filters return: consumed by its first use. */
    static final class Generator {
        private List<Object> items;

        Generator(List<Object> items) {
            this.items = items;
        }

        List<Object> consume() {
            List<Object> out = items;
            items = List.of();
            return out;
        }
    }

    /** Something a template can call: macros, built-in functions, bound methods. */
    interface Callable {
        Object call(Renderer r, List<Object> args, Map<String, Object> kwargs, int line);
    }

    // ---- conversions -------------------------------------------------------------------------

    /** Converts a caller's Java value into a template value (deep copy), or fails. */
    static Object fromJava(Object v, int depth) {
        if (depth > 200) {
            throw new IllegalArgumentException("context nested too deeply");
        }
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Long || v instanceof Double) {
            return v;
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Float f) {
            return Double.parseDouble(Float.toString(f));
        }
        if (v instanceof java.math.BigInteger b) {
            return b.longValueExact();
        }
        if (v instanceof BigDecimal b) {
            return b.doubleValue();
        }
        if (v instanceof CharSequence cs) {
            return cs.toString();
        }
        if (v instanceof Map<?, ?> m) {
            LinkedHashMap<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(fromJava(e.getKey(), depth + 1), fromJava(e.getValue(), depth + 1));
            }
            return out;
        }
        if (v instanceof Iterable<?> it) {
            List<Object> out = new ArrayList<>();
            for (Object o : it) {
                out.add(fromJava(o, depth + 1));
            }
            return out;
        }
        if (v instanceof Object[] arr) {
            return fromJava(List.of(arr), depth);
        }
        throw new IllegalArgumentException("unsupported value of type " + v.getClass().getSimpleName()
                + " (only String, Number, Boolean, null, List and Map reach a template)");
    }

    static String typeName(Object v) {
        if (v == null) {
            return "NoneType";
        }
        if (v instanceof Boolean) {
            return "bool";
        }
        if (v instanceof Long) {
            return "int";
        }
        if (v instanceof Double) {
            return "float";
        }
        if (v instanceof String) {
            return "str";
        }
        if (v instanceof Tuple) {
            return "tuple";
        }
        if (v instanceof Range) {
            return "range";
        }
        if (v instanceof List) {
            return "list";
        }
        if (v instanceof Map) {
            return "dict";
        }
        if (v instanceof Undefined) {
            return "Undefined";
        }
        if (v instanceof Namespace) {
            return "Namespace";
        }
        if (v instanceof Renderer.LoopInfo) {
            return "LoopContext";
        }
        if (v instanceof Generator) {
            return "generator";
        }
        if (v instanceof Callable) {
            return "function";
        }
        return "object";
    }

    static boolean truthy(Object v) {
        if (v == null || v instanceof Undefined) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Long l) {
            return l != 0;
        }
        if (v instanceof Double d) {
            return d != 0.0;
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof List<?> l) {
            return !l.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    static boolean isNumber(Object v) {
        return v instanceof Long || v instanceof Double || v instanceof Boolean;
    }

    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof Boolean;
    }

    static long toLong(Object v) {
        return v instanceof Boolean b ? (b ? 1 : 0) : (Long) v;
    }

    static double toDouble(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return ((Number) v).doubleValue();
    }

    // ---- str() and repr() --------------------------------------------------------------------

    static String str(Object v) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Undefined) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        repr(sb, v, 0);
        return sb.toString();
    }

    static String repr(Object v) {
        StringBuilder sb = new StringBuilder();
        repr(sb, v, 0);
        return sb.toString();
    }

    static void repr(StringBuilder sb, Object v, int depth) {
        if (depth > 500) {
            throw new TemplateError("value nested too deeply to print", 0);
        }
        if (sb.length() > Renderer.MAX_OUTPUT) {
            throw new TemplateError("printed value exceeds the limit of " + Renderer.MAX_OUTPUT + " characters", 0);
        }
        if (v == null) {
            sb.append("None");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "True" : "False");
        } else if (v instanceof Long l) {
            sb.append(l);
        } else if (v instanceof Double d) {
            sb.append(floatRepr(d));
        } else if (v instanceof String s) {
            reprString(sb, s);
        } else if (v instanceof Undefined) {
            sb.append("Undefined");
        } else if (v instanceof Range rg) {
            sb.append("range(").append(rg.start).append(", ").append(rg.stop);
            if (rg.step != 1) {
                sb.append(", ").append(rg.step);
            }
            sb.append(')');
        } else if (v instanceof Tuple t) {
            sb.append('(');
            for (int i = 0; i < t.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                repr(sb, t.get(i), depth + 1);
            }
            sb.append(t.size() == 1 ? ",)" : ")");
        } else if (v instanceof List<?> l) {
            sb.append('[');
            for (int i = 0; i < l.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                repr(sb, l.get(i), depth + 1);
            }
            sb.append(']');
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(", ");
                }
                first = false;
                repr(sb, e.getKey(), depth + 1);
                sb.append(": ");
                repr(sb, e.getValue(), depth + 1);
            }
            sb.append('}');
        } else if (v instanceof Generator) {
            sb.append("<generator object>");
        } else if (v instanceof Namespace ns) {
            sb.append("<Namespace ");
            repr(sb, new LinkedHashMap<Object, Object>(ns.attrs), depth + 1);
            sb.append('>');
        } else {
            sb.append('<').append(typeName(v)).append('>');
        }
    }

    static void reprString(StringBuilder sb, String s) {
        char q = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        sb.append(q);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == q || cp == '\\') {
                sb.append('\\').appendCodePoint(cp);
            } else if (cp == '\n') {
                sb.append("\\n");
            } else if (cp == '\r') {
                sb.append("\\r");
            } else if (cp == '\t') {
                sb.append("\\t");
            } else if (isPrintable(cp)) {
                sb.appendCodePoint(cp);
            } else if (cp < 0x100) {
                sb.append(String.format("\\x%02x", cp));
            } else if (cp < 0x10000) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.append(String.format("\\U%08x", cp));
            }
        }
        sb.append(q);
    }

    static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                 Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }

    /** Python's repr(float): shortest round-trip digits, scientific below 1e-4 and from 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal bd = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
        String digits = bd.unscaledValue().toString();
        int exp = digits.length() - 1 - bd.scale(); // decimal exponent of the first digit
        StringBuilder sb = new StringBuilder();
        if (d < 0) {
            sb.append('-');
        }
        if (exp >= -4 && exp < 16) {
            if (exp < 0) {
                sb.append("0.").append("0".repeat(-exp - 1)).append(digits);
            } else if (digits.length() <= exp + 1) {
                sb.append(digits).append("0".repeat(exp + 1 - digits.length())).append(".0");
            } else {
                sb.append(digits, 0, exp + 1).append('.').append(digits, exp + 1, digits.length());
            }
        } else {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            sb.append('e').append(exp < 0 ? '-' : '+');
            int a = Math.abs(exp);
            if (a < 10) {
                sb.append('0');
            }
            sb.append(a);
        }
        return sb.toString();
    }

    // ---- equality and ordering ---------------------------------------------------------------

    static boolean eq(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) {
                return toLong(a) == toLong(b);
            }
            return toDouble(a) == toDouble(b);
        }
        if (a instanceof String || b instanceof String) {
            return a.equals(b);
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if ((a instanceof Tuple) != (b instanceof Tuple) || (a instanceof Range) != (b instanceof Range)
                    || la.size() != lb.size()) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!eq(la.get(i), lb.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                Object k = findKey(mb, e.getKey());
                if (k == MISSING || !eq(e.getValue(), mb.get(k))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Undefined && b instanceof Undefined) {
            return true;
        }
        return Objects.equals(a, b);
    }

    static final Object MISSING = new Object();

    /** The key of {@code m} equal (Python ==) to {@code key}, or MISSING. */
    static Object findKey(Map<?, ?> m, Object key) {
        if (m.containsKey(key)) {
            return key;
        }
        if (key instanceof String || key == null) {
            return MISSING;
        }
        for (Object k : m.keySet()) {
            if (eq(k, key)) {
                return k;
            }
        }
        return MISSING;
    }

    /** Python ordering ({@code <} etc.); TypeError for unorderable types. */
    static int compare(Object a, Object b, String op, int line) {
        if (isNumber(a) && isNumber(b)) {
            if (isInt(a) && isInt(b)) {
                return Long.compare(toLong(a), toLong(b));
            }
            double x = toDouble(a);
            double y = toDouble(b);
            return x < y ? -1 : x > y ? 1 : 0;
        }
        if (a instanceof String x && b instanceof String y) {
            return compareStrings(x, y);
        }
        if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof Tuple) == (b instanceof Tuple)) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                if (!eq(x.get(i), y.get(i))) {
                    return compare(x.get(i), y.get(i), op, line);
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        if (a instanceof Undefined u) {
            throw u.fail(line);
        }
        if (b instanceof Undefined u) {
            throw u.fail(line);
        }
        throw new TemplateError("TypeError: '" + op + "' not supported between instances of '" + typeName(a)
                + "' and '" + typeName(b) + "'", line);
    }

    static int compareStrings(String x, String y) {
        int i = 0;
        int j = 0;
        while (i < x.length() && j < y.length()) {
            int a = x.codePointAt(i);
            int b = y.codePointAt(j);
            if (a != b) {
                return Integer.compare(a, b);
            }
            i += Character.charCount(a);
            j += Character.charCount(b);
        }
        return Boolean.compare(i < x.length(), j < y.length());
    }

    // ---- iteration and length ----------------------------------------------------------------

    /** Python iter(): lists, tuples, strings (code points), dict keys; undefined is empty. */
    static List<Object> iterate(Object v, int line) {
        if (v instanceof Undefined) {
            return new ArrayList<>();
        }
        if (v instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        if (v instanceof Map<?, ?> m) {
            return new ArrayList<>(m.keySet());
        }
        if (v instanceof Generator g) {
            return new ArrayList<>(g.consume());
        }
        if (v instanceof String s) {
            List<Object> out = new ArrayList<>(s.length());
            s.codePoints().forEach(cp -> out.add(new String(Character.toChars(cp))));
            return out;
        }
        throw new TemplateError("TypeError: '" + typeName(v) + "' object is not iterable", line);
    }

    static long len(Object v, int line) {
        if (v instanceof String s) {
            return s.codePointCount(0, s.length());
        }
        if (v instanceof List<?> l) {
            return l.size();
        }
        if (v instanceof Map<?, ?> m) {
            return m.size();
        }
        if (v instanceof Namespace ns) {
            return ns.attrs.size();
        }
        if (v instanceof Undefined) {
            return 0;
        }
        throw new TemplateError("TypeError: object of type '" + typeName(v) + "' has no len()", line);
    }

    static boolean contains(Object container, Object item, int line) {
        if (container instanceof String s) {
            if (item instanceof String i) {
                return s.contains(i);
            }
            throw new TemplateError("TypeError: 'in <string>' requires string as left operand, not " + typeName(item), line);
        }
        if (container instanceof List<?> l) {
            for (Object o : l) {
                if (eq(o, item)) {
                    return true;
                }
            }
            return false;
        }
        if (container instanceof Map<?, ?> m) {
            return findKey(m, item) != MISSING;
        }
        if (container instanceof Undefined) {
            return false;
        }
        if (container instanceof Generator g) {
            for (Object o : g.consume()) {
                if (eq(o, item)) {
                    return true;
                }
            }
            return false;
        }
        throw new TemplateError("TypeError: argument of type '" + typeName(container) + "' is not iterable", line);
    }

    static Iterator<Object> iterator(Object v, int line) {
        return iterate(v, line).iterator();
    }

    // ---- strings as code points --------------------------------------------------------------

    static boolean hasSurrogates(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isSurrogate(s.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** Python str.isspace() for one code point. */
    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85 || (cp >= 0x1c && cp <= 0x1f);
    }
}
