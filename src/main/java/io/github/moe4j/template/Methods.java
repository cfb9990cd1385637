package io.github.moe4j.template;

import io.github.moe4j.template.Py.Callable;
import io.github.moe4j.template.Py.Tuple;
import io.github.moe4j.template.Py.Undefined;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** The Python methods a template may call on str, list and dict values (read-only ones only). */
final class Methods {
    private Methods() {
    }

    static final Set<String> STR = Set.of("strip", "lstrip", "rstrip", "split", "rsplit", "startswith", "endswith",
            "upper", "lower", "title", "capitalize", "replace", "find", "rfind", "index", "rindex", "count", "join",
            "format", "splitlines", "isdigit", "isalpha", "isalnum", "isspace", "isupper", "islower", "isnumeric",
            "isdecimal", "zfill", "center", "ljust", "rjust", "partition", "rpartition", "removeprefix", "removesuffix",
            "swapcase", "casefold", "istitle");
    static final Set<String> LIST = Set.of("index", "count", "copy");
    static final Set<String> LIST_MUTATING = Set.of("append", "extend", "insert", "pop", "remove", "reverse", "sort", "clear");
    static final Set<String> DICT = Set.of("get", "items", "keys", "values", "copy");
    static final Set<String> DICT_MUTATING = Set.of("pop", "popitem", "setdefault", "update", "clear");

    /** A method bound to its receiver. */
    record Bound(Object self, String name) implements Callable {
        @Override
        public Object call(Renderer r, List<Object> args, Map<String, Object> kwargs, int line) {
            return Methods.call(r, self, name, args, kwargs);
        }
    }

    static Callable bind(Object self, String name) {
        return new Bound(self, name);
    }

    private static Object arg(List<Object> args, Map<String, Object> kw, int i, String name, Object dflt) {
        if (i < args.size()) {
            return args.get(i);
        }
        return kw.containsKey(name) ? kw.get(name) : dflt;
    }

    private static String strArg(Renderer r, Object v, String what) {
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Undefined u) {
            throw u.fail(r.line);
        }
        throw r.error("TypeError: " + what + " must be str, not " + Py.typeName(v));
    }

    static Object call(Renderer r, Object self, String name, List<Object> args, Map<String, Object> kw) {
        r.charge(Renderer.cost(self) + (args.isEmpty() ? 0 : Renderer.cost(args.get(0))));
        if (self instanceof String s) {
            return str(r, s, name, args, kw);
        }
        if (self instanceof Map<?, ?> m) {
            switch (name) {
                case "get" -> {
                    Object k = Py.findKey(m, arg(args, kw, 0, "key", null));
                    return k == Py.MISSING ? arg(args, kw, 1, "default", null) : m.get(k);
                }
                case "items" -> {
                    List<Object> out = new ArrayList<>();
                    m.forEach((k, v) -> out.add(new Tuple(k, v)));
                    return out;
                }
                case "keys" -> {
                    return new ArrayList<Object>(m.keySet());
                }
                case "values" -> {
                    return new ArrayList<Object>(m.values());
                }
                case "copy" -> {
                    return new LinkedHashMap<Object, Object>(m);
                }
                default -> {
                }
            }
        } else if (self instanceof List<?> l) {
            switch (name) {
                case "index" -> {
                    Object x = arg(args, kw, 0, "value", null);
                    for (int i = 0; i < l.size(); i++) {
                        if (Py.eq(l.get(i), x)) {
                            return (long) i;
                        }
                    }
                    throw r.error("ValueError: " + Py.repr(x) + " is not in list");
                }
                case "count" -> {
                    Object x = arg(args, kw, 0, "value", null);
                    return l.stream().filter(o -> Py.eq(o, x)).count();
                }
                case "copy" -> {
                    return new ArrayList<Object>(l);
                }
                default -> {
                }
            }
        }
        throw r.error("'" + Py.typeName(self) + "' object has no method '" + name + "'");
    }

    // ---- str ---------------------------------------------------------------------------------

    private static Object str(Renderer r, String s, String name, List<Object> args, Map<String, Object> kw) {
        switch (name) {
            case "strip", "lstrip", "rstrip" -> {
                Object chars = arg(args, kw, 0, "chars", null);
                String cs = chars == null ? null : strArg(r, chars, "strip arg");
                return strip(s, cs, !name.equals("rstrip"), !name.equals("lstrip"));
            }
            case "split", "rsplit" -> {
                Object sep = arg(args, kw, 0, "sep", null);
                long max = Py.toLong(intArg(r, arg(args, kw, 1, "maxsplit", -1L)));
                if (sep == null) {
                    return name.equals("split") ? splitWhitespace(s, max) : rsplitWhitespace(s, max);
                }
                String sp = strArg(r, sep, "separator");
                if (sp.isEmpty()) {
                    throw r.error("ValueError: empty separator");
                }
                return name.equals("split") ? split(s, sp, max) : rsplit(s, sp, max);
            }
            case "startswith", "endswith" -> {
                Object p = arg(args, kw, 0, "prefix", null);
                String sub = slice(s, arg(args, kw, 1, "start", null), arg(args, kw, 2, "end", null));
                List<?> options = p instanceof Tuple t ? t : List.of(p == null ? "" : p);
                if (p == null) {
                    throw r.error("TypeError: " + name + " first arg must be str or a tuple of str, not NoneType");
                }
                for (Object o : options) {
                    String x = strArg(r, o, name + " first arg");
                    if (name.equals("startswith") ? sub.startsWith(x) : sub.endsWith(x)) {
                        return true;
                    }
                }
                return false;
            }
            case "upper" -> {
                return s.toUpperCase(Locale.ROOT);
            }
            case "lower", "casefold" -> {
                return s.toLowerCase(Locale.ROOT);
            }
            case "swapcase" -> {
                StringBuilder sb = new StringBuilder();
                s.codePoints().forEach(cp -> sb.appendCodePoint(Character.isUpperCase(cp) ? Character.toLowerCase(cp)
                        : Character.isLowerCase(cp) ? Character.toUpperCase(cp) : cp));
                return sb.toString();
            }
            case "title" -> {
                return pyTitle(s);
            }
            case "capitalize" -> {
                return capitalize(s);
            }
            case "replace" -> {
                String old = strArg(r, arg(args, kw, 0, "old", null), "replace arg 1");
                String neu = strArg(r, arg(args, kw, 1, "new", null), "replace arg 2");
                long count = Py.toLong(intArg(r, arg(args, kw, 2, "count", -1L)));
                return replace(r, s, old, neu, count);
            }
            case "find", "rfind", "index", "rindex" -> {
                String sub = strArg(r, arg(args, kw, 0, "sub", null), "substring");
                int[] cps = s.codePoints().toArray();
                int n = cps.length;
                int start = (int) clamp(arg(args, kw, 1, "start", null), 0, n);
                int end = (int) clamp(arg(args, kw, 2, "end", null), n, n);
                String hay = start <= end ? new String(cps, start, end - start) : "";
                int at = name.startsWith("r") ? hay.lastIndexOf(sub) : hay.indexOf(sub);
                if (start > end) {
                    at = -1;
                }
                if (at < 0) {
                    if (name.contains("index")) {
                        throw r.error("ValueError: substring not found");
                    }
                    return -1L;
                }
                return (long) (start + hay.codePointCount(0, at));
            }
            case "count" -> {
                String sub = strArg(r, arg(args, kw, 0, "sub", null), "substring");
                if (sub.isEmpty()) {
                    return (long) s.codePointCount(0, s.length()) + 1;
                }
                long c = 0;
                for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) {
                    c++;
                }
                return c;
            }
            case "join" -> {
                Object it = arg(args, kw, 0, "iterable", null);
                StringBuilder sb = new StringBuilder();
                boolean first = true;
                for (Object o : Py.iterate(it, r.line)) {
                    if (!first) {
                        sb.append(s);
                    }
                    first = false;
                    if (!(o instanceof String x)) {
                        throw r.error("TypeError: sequence item: expected str instance, " + Py.typeName(o) + " found");
                    }
                    sb.append(x);
                    r.checkSize(sb.length());
                }
                return sb.toString();
            }
            case "format" -> {
                return Format.format(r, s, args, kw);
            }
            case "splitlines" -> {
                return splitlines(s, Py.truthy(arg(args, kw, 0, "keepends", false)));
            }
            case "isdigit", "isnumeric", "isdecimal" -> {
                return !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            }
            case "isalpha" -> {
                return !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            }
            case "isalnum" -> {
                return !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            }
            case "isspace" -> {
                return !s.isEmpty() && s.codePoints().allMatch(Py::isSpace);
            }
            case "isupper", "islower" -> {
                boolean cased = false;
                for (int cp : s.codePoints().toArray()) {
                    if (name.equals("isupper") ? Character.isLowerCase(cp) : Character.isUpperCase(cp) || Character.isTitleCase(cp)) {
                        return false;
                    }
                    cased |= Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
                }
                return cased;
            }
            case "istitle" -> {
                return !s.isEmpty() && pyTitle(s).equals(s) && s.codePoints().anyMatch(Character::isLetter);
            }
            case "zfill" -> {
                int w = (int) Math.min(Renderer.MAX_OUTPUT, Py.toLong(intArg(r, arg(args, kw, 0, "width", 0L))));
                int n = s.codePointCount(0, s.length());
                if (n >= w) {
                    return s;
                }
                boolean sign = s.startsWith("+") || s.startsWith("-");
                return (sign ? s.substring(0, 1) : "") + "0".repeat(w - n) + (sign ? s.substring(1) : s);
            }
            case "center", "ljust", "rjust" -> {
                int w = (int) Math.min(Renderer.MAX_OUTPUT, Py.toLong(intArg(r, arg(args, kw, 0, "width", 0L))));
                String fill = strArg(r, arg(args, kw, 1, "fillchar", " "), "fill character");
                int n = s.codePointCount(0, s.length());
                if (n >= w) {
                    return s;
                }
                int total = w - n;
                int left = switch (name) {
                    case "ljust" -> 0;
                    case "rjust" -> total;
                    default -> total / 2 + (total & w & 1);
                };
                return fill.repeat(left) + s + fill.repeat(total - left);
            }
            case "partition", "rpartition" -> {
                String sep = strArg(r, arg(args, kw, 0, "sep", null), "separator");
                int at = name.equals("partition") ? s.indexOf(sep) : s.lastIndexOf(sep);
                if (at < 0) {
                    return name.equals("partition") ? new Tuple(s, "", "") : new Tuple("", "", s);
                }
                return new Tuple(s.substring(0, at), sep, s.substring(at + sep.length()));
            }
            case "removeprefix" -> {
                String p = strArg(r, arg(args, kw, 0, "prefix", null), "prefix");
                return s.startsWith(p) ? s.substring(p.length()) : s;
            }
            case "removesuffix" -> {
                String p = strArg(r, arg(args, kw, 0, "suffix", null), "suffix");
                return !p.isEmpty() && s.endsWith(p) ? s.substring(0, s.length() - p.length()) : s;
            }
            default -> throw r.error("'str' object has no method '" + name + "'");
        }
    }

    private static Object intArg(Renderer r, Object v) {
        if (Py.isInt(v)) {
            return v;
        }
        throw r.error("TypeError: '" + Py.typeName(v) + "' object cannot be interpreted as an integer");
    }

    private static long clamp(Object v, long dflt, int n) {
        if (v == null || !Py.isInt(v)) {
            return dflt;
        }
        long i = Py.toLong(v);
        if (i < 0) {
            i += n;
        }
        return Math.max(0, Math.min(n, i));
    }

    private static String slice(String s, Object start, Object end) {
        if (start == null && end == null) {
            return s;
        }
        int[] cps = s.codePoints().toArray();
        int a = (int) clamp(start, 0, cps.length);
        int b = (int) clamp(end, cps.length, cps.length);
        return a < b ? new String(cps, a, b - a) : "";
    }

    static String strip(String s, String chars, boolean left, boolean right) {
        int a = 0;
        int b = s.length();
        if (left) {
            while (a < b) {
                int cp = s.codePointAt(a);
                if (chars == null ? !Py.isSpace(cp) : chars.indexOf(cp) < 0) {
                    break;
                }
                a += Character.charCount(cp);
            }
        }
        if (right) {
            while (b > a) {
                int cp = s.codePointBefore(b);
                if (chars == null ? !Py.isSpace(cp) : chars.indexOf(cp) < 0) {
                    break;
                }
                b -= Character.charCount(cp);
            }
        }
        return s.substring(a, b);
    }

    static List<Object> split(String s, String sep, long max) {
        List<Object> out = new ArrayList<>();
        int from = 0;
        while (max < 0 || out.size() < max) {
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

    private static List<Object> rsplit(String s, String sep, long max) {
        List<Object> out = new ArrayList<>();
        int end = s.length();
        while (max < 0 || out.size() < max) {
            int at = s.lastIndexOf(sep, end - sep.length());
            if (at < 0 || end - sep.length() < 0) {
                break;
            }
            out.add(0, s.substring(at + sep.length(), end));
            end = at;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    private static List<Object> splitWhitespace(String s, long max) {
        List<Object> out = new ArrayList<>();
        int n = s.length();
        int i = 0;
        while (true) {
            while (i < n && Py.isSpace(s.charAt(i))) {
                i++;
            }
            if (i >= n) {
                break;
            }
            if (max >= 0 && out.size() >= max) {
                out.add(s.substring(i));
                break;
            }
            int j = i;
            while (j < n && !Py.isSpace(s.charAt(j))) {
                j++;
            }
            out.add(s.substring(i, j));
            i = j;
        }
        return out;
    }

    private static List<Object> rsplitWhitespace(String s, long max) {
        List<Object> out = new ArrayList<>();
        int i = s.length();
        while (true) {
            while (i > 0 && Py.isSpace(s.charAt(i - 1))) {
                i--;
            }
            if (i <= 0) {
                break;
            }
            if (max >= 0 && out.size() >= max) {
                out.add(0, s.substring(0, i));
                break;
            }
            int j = i;
            while (j > 0 && !Py.isSpace(s.charAt(j - 1))) {
                j--;
            }
            out.add(0, s.substring(j, i));
            i = j;
        }
        return out;
    }

    static List<Object> splitlines(String s, boolean keepends) {
        List<Object> out = new ArrayList<>();
        int n = s.length();
        int start = 0;
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            int eol = -1;
            if (c == '\r' && i + 1 < n && s.charAt(i + 1) == '\n') {
                eol = 2;
            } else if (c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || c == 0x1c || c == 0x1d || c == 0x1e
                    || c == 0x85 || c == 0x2028 || c == 0x2029) {
                eol = 1;
            }
            if (eol > 0) {
                out.add(s.substring(start, keepends ? i + eol : i));
                i += eol;
                start = i;
            } else {
                i++;
            }
        }
        if (start < n) {
            out.add(s.substring(start));
        }
        return out;
    }

    static String replace(Renderer r, String s, String old, String neu, long count) {
        if (count < 0 && !old.isEmpty()) {
            long hits = (s.length() - s.replace(old, "").length()) / old.length();
            r.checkSize(s.length() + hits * (neu.length() - old.length()));
            return s.replace(old, neu);
        }
        StringBuilder sb = new StringBuilder();
        if (old.isEmpty()) {
            long done = 0;
            int[] cps = s.codePoints().toArray();
            for (int cp : cps) {
                if (count < 0 || done < count) {
                    sb.append(neu);
                    done++;
                }
                sb.appendCodePoint(cp);
                r.checkSize(sb.length());
            }
            if (count < 0 || done < count) {
                sb.append(neu);
            }
            return sb.toString();
        }
        int from = 0;
        long done = 0;
        while (done < count) {
            int at = s.indexOf(old, from);
            if (at < 0) {
                break;
            }
            sb.append(s, from, at).append(neu);
            r.checkSize(sb.length());
            from = at + old.length();
            done++;
        }
        sb.append(s, from, s.length());
        return sb.toString();
    }

    private static boolean cased(int cp) {
        return Character.isUpperCase(cp) || Character.isLowerCase(cp) || Character.isTitleCase(cp);
    }

    /** Python's str.title(): a cased letter after an uncased character starts a word. */
    static String pyTitle(String s) {
        StringBuilder sb = new StringBuilder();
        boolean prevCased = false;
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            if (cased(cp)) {
                sb.append(prevCased ? new String(Character.toChars(cp)).toLowerCase(Locale.ROOT)
                        : new String(Character.toChars(Character.toTitleCase(cp))));
                prevCased = true;
            } else {
                sb.appendCodePoint(cp);
                prevCased = false;
            }
        }
        return sb.toString();
    }

    static String capitalize(String s) {
        if (s.isEmpty()) {
            return s;
        }
        int cp = s.codePointAt(0);
        int n = Character.charCount(cp);
        return new String(Character.toChars(Character.toTitleCase(cp))) + s.substring(n).toLowerCase(Locale.ROOT);
    }
}
