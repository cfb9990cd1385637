package io.github.moe4j.template;

import io.github.moe4j.template.Py.Callable;
import io.github.moe4j.template.Py.Generator;
import io.github.moe4j.template.Py.Namespace;
import io.github.moe4j.template.Py.Tuple;
import io.github.moe4j.template.Py.Undefined;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** jinja2's global functions, filters and tests, plus HuggingFace's additions (tojson, raise_exception, strftime_now). */
final class Builtins {
    private Builtins() {
    }

    // ---- globals -----------------------------------------------------------------------------

    static void installGlobals(Renderer.Scope g) {
        g.vars.put("range", (Callable) Builtins::range);
        g.vars.put("dict", (Callable) (r, args, kw, line) -> {
            LinkedHashMap<Object, Object> m = new LinkedHashMap<>();
            if (!args.isEmpty()) {
                Object src = args.get(0);
                if (src instanceof Map<?, ?> sm) {
                    m.putAll(sm);
                } else {
                    for (Object pair : Py.iterate(src, line)) {
                        List<Object> kv = Py.iterate(pair, line);
                        if (kv.size() != 2) {
                            throw new TemplateError("ValueError: dictionary update sequence element has length " + kv.size() + "; 2 is required", line);
                        }
                        m.put(kv.get(0), kv.get(1));
                    }
                }
            }
            m.putAll(kw);
            return m;
        });
        g.vars.put("namespace", (Callable) (r, args, kw, line) -> {
            Namespace ns = new Namespace();
            if (!args.isEmpty() && args.get(0) instanceof Map<?, ?> m) {
                m.forEach((k, v) -> ns.attrs.put(Py.str(k), v));
            }
            ns.attrs.putAll(kw);
            return ns;
        });
        g.vars.put("raise_exception", (Callable) (r, args, kw, line) -> {
            throw new TemplateError(args.isEmpty() ? Py.str(kw.get("message")) : Py.str(args.get(0)), line);
        });
        g.vars.put("strftime_now", (Callable) (r, args, kw, line) -> {
            Object f = args.isEmpty() ? kw.get("format") : args.get(0);
            if (!(f instanceof String fmt)) {
                throw new TemplateError("TypeError: strftime() argument 1 must be str, not " + Py.typeName(f), line);
            }
            return Strftime.format(r.now.get(), fmt);
        });
        g.vars.put("cycler", (Callable) (r, args, kw, line) -> new Cycler(args));
        g.vars.put("joiner", (Callable) (r, args, kw, line) -> new Joiner(args.isEmpty() ? Py.str(kw.getOrDefault("sep", ", ")) : Py.str(args.get(0))));
    }

    private static Object range(Renderer r, List<Object> args, Map<String, Object> kw, int line) {
        if (args.isEmpty() || args.size() > 3 || !args.stream().allMatch(Py::isInt)) {
            throw new TemplateError("TypeError: range() takes 1 to 3 integer arguments", line);
        }
        long start = args.size() == 1 ? 0 : Py.toLong(args.get(0));
        long stop = Py.toLong(args.get(args.size() == 1 ? 0 : 1));
        long step = args.size() == 3 ? Py.toLong(args.get(2)) : 1;
        if (step == 0) {
            throw new TemplateError("ValueError: range() arg 3 must not be zero", line);
        }
        long n = Py.Range.length(start, stop, step);
        if (n > Renderer.MAX_RANGE) {
            throw new TemplateError("Range too big. The sandbox blocks ranges larger than MAX_RANGE (" + Renderer.MAX_RANGE + ").", line);
        }
        r.charge(n);
        return new Py.Range(start, stop, step);
    }

    /** jinja2's cycler(). */
    static final class Cycler {
        final List<Object> items;
        int pos;

        Cycler(List<Object> items) {
            this.items = items;
        }
    }

    /** jinja2's joiner(): '' on the first call, the separator afterwards. */
    static final class Joiner implements Callable {
        final String sep;
        boolean used;

        Joiner(String sep) {
            this.sep = sep;
        }

        @Override
        public Object call(Renderer r, List<Object> args, Map<String, Object> kwargs, int line) {
            if (!used) {
                used = true;
                return "";
            }
            return sep;
        }
    }

    static Object objectAttr(Object obj, String name) {
        if (obj instanceof Cycler c && !c.items.isEmpty()) {
            switch (name) {
                case "current" -> {
                    return c.items.get(c.pos);
                }
                case "next" -> {
                    return (Callable) (r, a, k, l) -> {
                        Object v = c.items.get(c.pos);
                        c.pos = (c.pos + 1) % c.items.size();
                        return v;
                    };
                }
                case "reset" -> {
                    return (Callable) (r, a, k, l) -> {
                        c.pos = 0;
                        return null;
                    };
                }
                default -> {
                }
            }
        }
        return Renderer.noAttr(obj, name);
    }

    // ---- argument helpers --------------------------------------------------------------------

    private static Object arg(List<Object> args, Map<String, Object> kw, int i, String name, Object dflt) {
        if (i < args.size()) {
            return args.get(i);
        }
        return kw.containsKey(name) ? kw.get(name) : dflt;
    }

    /** Resolves a dotted attribute path ({@code a.b.0}) the way jinja2's attribute getters do. */
    private static Object attrPath(Renderer r, Object item, Object attribute) {
        if (Py.isInt(attribute)) {
            return r.getitem(item, attribute);
        }
        for (String part : Py.str(attribute).split("\\.")) {
            Object key = part;
            if (!part.isEmpty() && part.chars().allMatch(Character::isDigit)) {
                key = Long.parseLong(part);
            }
            item = r.getitem(item, key);
        }
        return item;
    }

    /** jinja2's sort key with attributes: a list of the (comma-separated) attributes' values. */
    private static Object sortKeys(Renderer r, Object item, Object attribute, boolean caseSensitive) {
        if (attribute == null) {
            return sortKey(item, caseSensitive);
        }
        List<Object> keys = new ArrayList<>();
        for (String part : Py.isInt(attribute) ? new String[]{Py.str(attribute)} : Py.str(attribute).split(",")) {
            keys.add(sortKey(attrPath(r, item, Py.isInt(attribute) ? attribute : part), caseSensitive));
        }
        return keys;
    }

    private static Object sortKey(Object v, boolean caseSensitive) {
        return !caseSensitive && v instanceof String s ? s.toLowerCase(Locale.ROOT) : v;
    }

    private static Comparator<Object> comparator(Renderer r) {
        return (a, b) -> Py.compare(a, b, "<", r.line);
    }

    // ---- filters -----------------------------------------------------------------------------

    static Object filter(Renderer r, String name, Object v, List<Object> args, Map<String, Object> kw) {
        int line = r.line;
        r.charge(Renderer.cost(v));
        switch (name) {
            case "tojson" -> {
                return Json.dumps(r, v, arg(args, kw, 1, "indent", null), arg(args, kw, 2, "separators", null),
                        Py.truthy(arg(args, kw, 3, "sort_keys", false)), Py.truthy(arg(args, kw, 0, "ensure_ascii", false)));
            }
            case "length", "count" -> {
                return Py.len(v, line);
            }
            case "string" -> {
                return Py.str(v);
            }
            case "safe" -> {
                return Py.str(v);
            }
            case "escape", "e", "forceescape" -> {
                return Py.str(v).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
                        .replace("\"", "&#34;").replace("'", "&#39;");
            }
            case "trim" -> {
                Object chars = arg(args, kw, 0, "chars", null);
                return Methods.strip(Py.str(v), chars == null ? null : Py.str(chars), true, true);
            }
            case "upper" -> {
                return Py.str(v).toUpperCase(Locale.ROOT);
            }
            case "lower" -> {
                return Py.str(v).toLowerCase(Locale.ROOT);
            }
            case "capitalize" -> {
                return Methods.capitalize(Py.str(v));
            }
            case "title" -> {
                StringBuilder sb = new StringBuilder();
                for (String part : splitKeep(Py.str(v), WORD_BEGIN)) {
                    if (!part.isEmpty()) {
                        int cp = part.codePointAt(0);
                        int n = Character.charCount(cp);
                        sb.append(new String(Character.toChars(cp)).toUpperCase(Locale.ROOT)).append(part.substring(n).toLowerCase(Locale.ROOT));
                    }
                }
                return sb.toString();
            }
            case "replace" -> {
                Object count = arg(args, kw, 2, "count", null);
                return Methods.replace(r, Py.str(v), Py.str(arg(args, kw, 0, "old", "")), Py.str(arg(args, kw, 1, "new", "")),
                        count == null ? -1 : Py.toLong(count));
            }
            case "default", "d" -> {
                Object dflt = arg(args, kw, 0, "default_value", "");
                boolean bool = Py.truthy(arg(args, kw, 1, "boolean", false));
                return v instanceof Undefined || (bool && !Py.truthy(v)) ? dflt : v;
            }
            case "join" -> {
                String sep = Py.str(arg(args, kw, 0, "d", ""));
                Object attribute = arg(args, kw, 1, "attribute", null);
                StringBuilder sb = new StringBuilder();
                boolean first = true;
                for (Object o : Py.iterate(v, line)) {
                    if (!first) {
                        sb.append(sep);
                    }
                    first = false;
                    sb.append(Py.str(attribute == null ? o : attrPath(r, o, attribute)));
                    r.checkSize(sb.length());
                }
                return sb.toString();
            }
            case "items" -> {
                if (v instanceof Undefined) {
                    return new Generator(List.of());
                }
                if (!(v instanceof Map<?, ?> m)) {
                    throw r.error("TypeError: Can only get item pairs from a mapping.");
                }
                List<Object> out = new ArrayList<>();
                m.forEach((k, x) -> out.add(new Tuple(k, x)));
                return new Generator(out);
            }
            case "dictsort" -> {
                if (!(v instanceof Map<?, ?> m)) {
                    throw r.error("TypeError: dictsort requires a mapping");
                }
                boolean cs = Py.truthy(arg(args, kw, 0, "case_sensitive", false));
                String by = Py.str(arg(args, kw, 1, "by", "key"));
                boolean rev = Py.truthy(arg(args, kw, 2, "reverse", false));
                int pos = by.equals("value") ? 1 : 0;
                List<Object> out = new ArrayList<>();
                m.forEach((k, x) -> out.add(new Tuple(k, x)));
                Comparator<Object> c = comparator(r);
                out.sort((a, b) -> c.compare(sortKey(((Tuple) a).get(pos), cs), sortKey(((Tuple) b).get(pos), cs)));
                if (rev) {
                    java.util.Collections.reverse(out);
                }
                return out;
            }
            case "list" -> {
                return Py.iterate(v, line);
            }
            case "first" -> {
                List<Object> l = Py.iterate(v, line);
                return l.isEmpty() ? new Undefined("No first item, sequence was empty.") : l.get(0);
            }
            case "last" -> {
                if (v instanceof Generator) {
                    throw r.error("TypeError: 'generator' object is not reversible");
                }
                List<Object> l = Py.iterate(v, line);
                return l.isEmpty() ? new Undefined("No last item, sequence was empty.") : l.get(l.size() - 1);
            }
            case "reverse" -> {
                if (v instanceof String s) {
                    return new StringBuilder(s).reverse().toString();
                }
                List<Object> l = Py.iterate(v, line);
                java.util.Collections.reverse(l);
                return l;
            }
            case "sort" -> {
                boolean rev = Py.truthy(arg(args, kw, 0, "reverse", false));
                boolean cs = Py.truthy(arg(args, kw, 1, "case_sensitive", false));
                Object attribute = arg(args, kw, 2, "attribute", null);
                List<Object> l = Py.iterate(v, line);
                Comparator<Object> c = comparator(r);
                l.sort((a, b) -> c.compare(sortKeys(r, a, attribute, cs), sortKeys(r, b, attribute, cs)));
                if (rev) {
                    java.util.Collections.reverse(l);
                }
                return l;
            }
            case "unique" -> {
                boolean cs = Py.truthy(arg(args, kw, 0, "case_sensitive", false));
                Object attribute = arg(args, kw, 1, "attribute", null);
                List<Object> seen = new ArrayList<>();
                List<Object> out = new ArrayList<>();
                for (Object o : Py.iterate(v, line)) {
                    Object k = sortKey(attribute == null ? o : attrPath(r, o, attribute), cs);
                    if (k instanceof Map || k instanceof List && !(k instanceof Tuple)) {
                        throw r.error("TypeError: unhashable type: '" + Py.typeName(k) + "'");
                    }
                    if (!Py.contains(seen, k, line)) {
                        seen.add(k);
                        out.add(o);
                    }
                }
                return new Generator(out);
            }
            case "min", "max" -> {
                boolean cs = Py.truthy(arg(args, kw, 0, "case_sensitive", false));
                Object attribute = arg(args, kw, 1, "attribute", null);
                List<Object> l = Py.iterate(v, line);
                if (l.isEmpty()) {
                    return new Undefined("No aggregated item, sequence was empty.");
                }
                Comparator<Object> c = comparator(r);
                Object best = l.get(0);
                for (Object o : l.subList(1, l.size())) {
                    int cmp = c.compare(sortKey(attribute == null ? o : attrPath(r, o, attribute), cs),
                            sortKey(attribute == null ? best : attrPath(r, best, attribute), cs));
                    if (name.equals("min") ? cmp < 0 : cmp > 0) {
                        best = o;
                    }
                }
                return best;
            }
            case "sum" -> {
                Object attribute = arg(args, kw, 0, "attribute", null);
                Object total = arg(args, kw, 1, "start", 0L);
                for (Object o : Py.iterate(v, line)) {
                    total = Ops.binary(r, "+", total, attribute == null ? o : attrPath(r, o, attribute));
                }
                return total;
            }
            case "map" -> {
                List<Object> items = Py.truthy(v) ? Py.iterate(v, line) : List.of();
                List<Object> out = new ArrayList<>(items.size());
                if (args.isEmpty() && kw.containsKey("attribute")) {
                    Object attribute = kw.get("attribute");
                    Object dflt = kw.get("default");
                    for (Object o : items) {
                        Object x = attrPath(r, o, attribute);
                        out.add(x instanceof Undefined && kw.containsKey("default") ? dflt : x);
                    }
                } else {
                    if (args.isEmpty()) {
                        throw r.error("map requires a filter argument");
                    }
                    String f = Py.str(args.get(0));
                    List<Object> rest = args.subList(1, args.size());
                    for (Object o : items) {
                        out.add(filter(r, f, o, rest, kw));
                    }
                }
                return new Generator(out);
            }
            case "select", "reject", "selectattr", "rejectattr" -> {
                boolean attr = name.endsWith("attr");
                boolean keep = name.startsWith("select");
                Object attribute = attr ? arg(args, kw, 0, "attribute", null) : null;
                int ti = attr ? 1 : 0;
                String test = args.size() > ti ? Py.str(args.get(ti)) : null;
                List<Object> targs = args.size() > ti + 1 ? args.subList(ti + 1, args.size()) : List.of();
                List<Object> out = new ArrayList<>();
                for (Object o : Py.truthy(v) ? Py.iterate(v, line) : List.of()) {
                    Object x = attr ? attrPath(r, o, attribute) : o;
                    boolean ok = test == null ? Py.truthy(x) : test(r, test, x, targs);
                    if (ok == keep) {
                        out.add(o);
                    }
                }
                return new Generator(out);
            }
            case "int" -> {
                if (v instanceof Undefined u) {
                    throw u.fail(line);
                }
                return toInt(v, arg(args, kw, 0, "default", 0L), arg(args, kw, 1, "base", 10L));
            }
            case "float" -> {
                if (v instanceof Undefined u) {
                    throw u.fail(line);
                }
                Object d = toFloat(v);
                return d == null ? arg(args, kw, 0, "default", 0.0) : d;
            }
            case "abs" -> {
                if (v instanceof Double d) {
                    return Math.abs(d);
                }
                if (Py.isInt(v)) {
                    return Math.abs(Py.toLong(v));
                }
                throw r.error("TypeError: bad operand type for abs(): '" + Py.typeName(v) + "'");
            }
            case "round" -> {
                long precision = Py.toLong(arg(args, kw, 0, "precision", 0L));
                String method = Py.str(arg(args, kw, 1, "method", "common"));
                if (!Py.isNumber(v)) {
                    throw r.error("TypeError: type " + Py.typeName(v) + " doesn't define __round__ method");
                }
                if (method.equals("common")) {
                    if (Py.isInt(v)) {
                        return Py.toLong(v);
                    }
                    double d = Py.toDouble(v);
                    if (Double.isNaN(d) || Double.isInfinite(d)) {
                        return d;
                    }
                    return new BigDecimal(d).setScale((int) precision, RoundingMode.HALF_EVEN).doubleValue();
                }
                double scale = Math.pow(10, precision);
                double x = Py.toDouble(v) * scale;
                return (method.equals("ceil") ? Math.ceil(x) : Math.floor(x)) / scale;
            }
            case "indent" -> {
                if (!(v instanceof String)) {
                    throw r.error("TypeError: indent expects a string, not " + Py.typeName(v));
                }
                Object width = arg(args, kw, 0, "width", 4L);
                boolean first = Py.truthy(arg(args, kw, 1, "first", false));
                boolean blank = Py.truthy(arg(args, kw, 2, "blank", false));
                String ind = width instanceof String w ? w : " ".repeat((int) Math.max(0, Math.min(1000, Py.toLong(width))));
                String s = Py.str(v) + "\n";
                List<Object> lines = Methods.splitlines(s, false);
                StringBuilder sb = new StringBuilder();
                if (blank) {
                    for (int i = 0; i < lines.size(); i++) {
                        if (i > 0) {
                            sb.append('\n').append(ind);
                        }
                        sb.append(lines.get(i));
                    }
                } else {
                    sb.append(lines.isEmpty() ? "" : (String) lines.get(0));
                    for (int i = 1; i < lines.size(); i++) {
                        String l = (String) lines.get(i);
                        sb.append('\n');
                        if (!l.isEmpty()) {
                            sb.append(ind);
                        }
                        sb.append(l);
                        r.checkSize(sb.length());
                    }
                }
                return first ? ind + sb : sb.toString();
            }
            case "center" -> {
                return Methods.call(r, Py.str(v), "center", List.of(arg(args, kw, 0, "width", 80L)), Map.of());
            }
            case "wordcount" -> {
                Matcher m = WORD.matcher(Py.str(v));
                long n = 0;
                while (m.find()) {
                    n++;
                }
                return n;
            }
            case "format" -> {
                return Format.percent(r, Py.str(v), kw.isEmpty() ? new Tuple(args) : new LinkedHashMap<Object, Object>(kw));
            }
            case "attr" -> {
                return r.getattr(v, Py.str(arg(args, kw, 0, "name", "")));
            }
            case "batch" -> {
                long size = Py.toLong(arg(args, kw, 0, "linecount", 1L));
                if (size <= 0) {
                    throw r.error("ValueError: batch size must be positive");
                }
                boolean fill = args.size() > 1 || kw.containsKey("fill_with");
                Object with = arg(args, kw, 1, "fill_with", null);
                List<Object> out = new ArrayList<>();
                List<Object> cur = new ArrayList<>();
                for (Object o : Py.iterate(v, line)) {
                    cur.add(o);
                    if (cur.size() == size) {
                        out.add(cur);
                        cur = new ArrayList<>();
                    }
                }
                if (!cur.isEmpty()) {
                    while (fill && cur.size() < size) {
                        cur.add(with);
                    }
                    out.add(cur);
                }
                return new Generator(out);
            }
            default -> throw r.error("No filter named '" + name + "' found.");
        }
    }

    private static final Pattern WORD_BEGIN = Pattern.compile("([-\\s({\\[<]+)", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

    /** Python re.split with a capturing group: the separators are kept as items. */
    private static List<String> splitKeep(String s, Pattern p) {
        List<String> out = new ArrayList<>();
        Matcher m = p.matcher(s);
        int last = 0;
        while (m.find()) {
            out.add(s.substring(last, m.start()));
            out.add(m.group());
            last = m.end();
        }
        out.add(s.substring(last));
        return out;
    }

    private static Object toInt(Object v, Object dflt, Object base) {
        if (Py.isInt(v)) {
            return Py.toLong(v);
        }
        if (v instanceof Double d) {
            return Double.isFinite(d) ? (Object) (long) (double) d : dflt;
        }
        if (v instanceof String s) {
            String t = Methods.strip(s, null, true, true).replace("_", "");
            try {
                int b = (int) Py.toLong(base);
                boolean neg = t.startsWith("-");
                String digits = t.startsWith("+") || neg ? t.substring(1) : t;
                String lower = digits.toLowerCase(Locale.ROOT);
                int prefixBase = lower.startsWith("0x") ? 16 : lower.startsWith("0o") ? 8 : lower.startsWith("0b") ? 2 : 0;
                if (prefixBase != 0 && (b == 0 || b == prefixBase)) {
                    digits = digits.substring(2);
                    b = prefixBase;
                } else if (b == 0) {
                    b = 10;
                }
                long parsed = Long.parseLong(digits, b);
                return neg ? -parsed : parsed;
            } catch (NumberFormatException | ClassCastException e) {
                Object f = toFloat(v);
                if (f instanceof Double d && Double.isFinite(d)) {
                    return (long) (double) d;
                }
                return dflt;
            }
        }
        return dflt;
    }

    private static Object toFloat(Object v) {
        if (Py.isNumber(v)) {
            return Py.toDouble(v);
        }
        if (v instanceof String s) {
            String t = Methods.strip(s, null, true, true).toLowerCase(Locale.ROOT).replace("_", "");
            switch (t) {
                case "inf", "+inf", "infinity", "+infinity" -> {
                    return Double.POSITIVE_INFINITY;
                }
                case "-inf", "-infinity" -> {
                    return Double.NEGATIVE_INFINITY;
                }
                case "nan", "+nan", "-nan" -> {
                    return Double.NaN;
                }
                default -> {
                }
            }
            if (!t.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?")) {
                return null;
            }
            return Double.parseDouble(t);
        }
        return null;
    }

    // ---- tests -------------------------------------------------------------------------------

    static boolean test(Renderer r, String name, Object v, List<Object> args) {
        Object a = args.isEmpty() ? null : args.get(0);
        switch (name) {
            case "defined" -> {
                return !(v instanceof Undefined);
            }
            case "undefined" -> {
                return v instanceof Undefined;
            }
            case "none" -> {
                return v == null;
            }
            case "string" -> {
                return v instanceof String;
            }
            case "number" -> {
                return Py.isNumber(v);
            }
            case "integer" -> {
                return v instanceof Long;
            }
            case "float" -> {
                return v instanceof Double;
            }
            case "boolean" -> {
                return v instanceof Boolean;
            }
            case "true" -> {
                return Boolean.TRUE.equals(v);
            }
            case "false" -> {
                return Boolean.FALSE.equals(v);
            }
            case "mapping" -> {
                return v instanceof Map;
            }
            case "iterable" -> {
                return v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined
                        || v instanceof Generator;
            }
            case "sequence" -> {
                return v instanceof String || v instanceof List || v instanceof Map || v instanceof Undefined;
            }
            case "callable" -> {
                return v instanceof Callable;
            }
            case "odd", "even" -> {
                return Py.eq(Ops.binary(r, "%", v, 2L), name.equals("odd") ? 1L : 0L);
            }
            case "divisibleby" -> {
                return Py.eq(Ops.binary(r, "%", v, a), 0L);
            }
            case "lower" -> {
                return (Boolean) Methods.call(r, Py.str(v), "islower", List.of(), Map.of());
            }
            case "upper" -> {
                return (Boolean) Methods.call(r, Py.str(v), "isupper", List.of(), Map.of());
            }
            case "sameas" -> {
                return v == null || v instanceof Boolean ? Py.eq(v, a) && (a == null || a instanceof Boolean) : v == a;
            }
            case "escaped" -> {
                return false;
            }
            case "in" -> {
                return Py.contains(a, v, r.line);
            }
            case "eq", "equalto", "==" -> {
                return Py.eq(v, a);
            }
            case "ne", "!=" -> {
                return !Py.eq(v, a);
            }
            case "lt", "lessthan", "<" -> {
                return Py.compare(v, a, "<", r.line) < 0;
            }
            case "le", "<=" -> {
                return Py.compare(v, a, "<=", r.line) <= 0;
            }
            case "gt", "greaterthan", ">" -> {
                return Py.compare(v, a, ">", r.line) > 0;
            }
            case "ge", ">=" -> {
                return Py.compare(v, a, ">=", r.line) >= 0;
            }
            case "filter" -> {
                return a instanceof String s && FILTER_NAMES.contains(s);
            }
            case "test" -> {
                return a instanceof String s && TEST_NAMES.contains(s);
            }
            default -> throw r.error("No test named '" + name + "' found.");
        }
    }

    private static final java.util.Set<String> FILTER_NAMES = java.util.Set.of("tojson", "length", "count", "string",
            "safe", "escape", "e", "forceescape", "trim", "upper", "lower", "capitalize", "title", "replace", "default",
            "d", "join", "items", "dictsort", "list", "first", "last", "reverse", "sort", "unique", "min", "max", "sum",
            "map", "select", "reject", "selectattr", "rejectattr", "int", "float", "abs", "round", "indent", "center",
            "wordcount", "format", "attr", "batch");
    private static final java.util.Set<String> TEST_NAMES = java.util.Set.of("defined", "undefined", "none", "string",
            "number", "integer", "float", "boolean", "true", "false", "mapping", "iterable", "sequence", "callable",
            "odd", "even", "divisibleby", "lower", "upper", "sameas", "escaped", "in", "eq", "equalto", "ne", "lt",
            "lessthan", "le", "gt", "greaterthan", "ge", "filter", "test", "==", "!=", "<", "<=", ">", ">=");
}
