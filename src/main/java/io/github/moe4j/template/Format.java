package io.github.moe4j.template;

import io.github.moe4j.template.Py.Tuple;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import java.util.Map;

/** Python string formatting: {@code "%s" % x} and {@code str.format}, the common conversions only. */
final class Format {
    private Format() {
    }

    static String percent(Renderer r, String fmt, Object args) {
        List<?> list = args instanceof Tuple t ? t : List.of(args == null ? Py.MISSING : args);
        Map<?, ?> named = args instanceof Map<?, ?> m ? m : null;
        StringBuilder sb = new StringBuilder();
        int ai = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c != '%') {
                sb.append(c);
                continue;
            }
            if (++i >= fmt.length()) {
                throw r.error("ValueError: incomplete format");
            }
            Object value;
            if (fmt.charAt(i) == '(') {
                int close = fmt.indexOf(')', i);
                if (close < 0 || named == null) {
                    throw r.error("TypeError: format requires a mapping");
                }
                value = named.get(fmt.substring(i + 1, close));
                i = close + 1;
            } else {
                value = null;
            }
            int specStart = i;
            while (i < fmt.length() && "-+ #0123456789.".indexOf(fmt.charAt(i)) >= 0) {
                i++;
            }
            if (i >= fmt.length()) {
                throw r.error("ValueError: incomplete format");
            }
            String spec = fmt.substring(specStart, i);
            char conv = fmt.charAt(i);
            if (conv == '%') {
                sb.append('%');
                continue;
            }
            if (fmt.charAt(specStart - 1) != ')') {
                if (ai >= list.size()) {
                    throw r.error("TypeError: not enough arguments for format string");
                }
                value = list.get(ai++);
                if (value == Py.MISSING) {
                    value = null;
                }
            }
            sb.append(convert(r, value, conv, spec));
        }
        boolean mappingLike = args instanceof Map || args instanceof List && !(args instanceof Tuple)
                || args instanceof Py.Namespace || args instanceof Py.Undefined;
        if (named == null && !mappingLike && ai < list.size()) {
            throw r.error("TypeError: not all arguments converted during string formatting");
        }
        return sb.toString();
    }

    private static String convert(Renderer r, Object v, char conv, String spec) {
        String body;
        switch (conv) {
            case 's' -> body = Py.str(v);
            case 'r', 'a' -> body = Py.repr(v);
            case 'd', 'i' -> {
                if (!Py.isNumber(v)) {
                    throw r.error("TypeError: %" + conv + " format: a real number is required, not " + Py.typeName(v));
                }
                body = String.valueOf(v instanceof Double d ? (long) (double) d : Py.toLong(v));
            }
            case 'f', 'F' -> {
                if (!Py.isNumber(v)) {
                    throw r.error("TypeError: must be real number, not " + Py.typeName(v));
                }
                int dot = spec.indexOf('.');
                int prec = dot >= 0 ? Integer.parseInt(spec.substring(dot + 1).isEmpty() ? "0" : spec.substring(dot + 1)) : 6;
                body = new BigDecimal(Py.toDouble(v)).setScale(prec, RoundingMode.HALF_EVEN).toPlainString();
                spec = dot >= 0 ? spec.substring(0, dot) : spec;
            }
            case 'x' -> body = Long.toHexString(Py.toLong(v));
            default -> throw r.error("ValueError: unsupported format character '" + conv + "'");
        }
        String width = spec.replaceAll("[^0-9]", "");
        if (!width.isEmpty() && !spec.contains(".")) {
            int w = Integer.parseInt(width.length() > 4 ? "9999" : width);
            boolean left = spec.contains("-");
            boolean zero = spec.startsWith("0") && !left;
            while (body.length() < w) {
                body = left ? body + " " : (zero ? "0" : " ") + body;
            }
        }
        return body;
    }

    /** {@code str.format}: {@code {}}, {@code {0}}, {@code {name}}, {@code !r}/{@code !s}; no format specs beyond none. */
    static String format(Renderer r, String fmt, List<Object> args, Map<String, Object> kwargs) {
        StringBuilder sb = new StringBuilder();
        int auto = 0;
        for (int i = 0; i < fmt.length(); i++) {
            char c = fmt.charAt(i);
            if (c == '{') {
                if (i + 1 < fmt.length() && fmt.charAt(i + 1) == '{') {
                    sb.append('{');
                    i++;
                    continue;
                }
                int close = fmt.indexOf('}', i);
                if (close < 0) {
                    throw r.error("ValueError: Single '{' encountered in format string");
                }
                String field = fmt.substring(i + 1, close);
                i = close;
                String conv = null;
                String spec = "";
                int colon = field.indexOf(':');
                if (colon >= 0) {
                    spec = field.substring(colon + 1);
                    field = field.substring(0, colon);
                }
                int bang = field.indexOf('!');
                if (bang >= 0) {
                    conv = field.substring(bang + 1);
                    field = field.substring(0, bang);
                }
                Object v;
                if (field.isEmpty()) {
                    if (auto >= args.size()) {
                        throw r.error("IndexError: Replacement index " + auto + " out of range for positional args tuple");
                    }
                    v = args.get(auto++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    int idx = Integer.parseInt(field);
                    if (idx >= args.size()) {
                        throw r.error("IndexError: Replacement index " + idx + " out of range for positional args tuple");
                    }
                    v = args.get(idx);
                } else {
                    if (!kwargs.containsKey(field)) {
                        throw r.error("KeyError: '" + field + "'");
                    }
                    v = kwargs.get(field);
                }
                if (!spec.isEmpty()) {
                    throw r.error("ValueError: format specifications in str.format are not supported");
                }
                sb.append("r".equals(conv) ? Py.repr(v) : Py.str(v));
            } else if (c == '}') {
                if (i + 1 < fmt.length() && fmt.charAt(i + 1) == '}') {
                    i++;
                    sb.append('}');
                } else {
                    throw r.error("ValueError: Single '}' encountered in format string");
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
