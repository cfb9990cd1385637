package io.github.moe4j.template;

import io.github.moe4j.template.Ast.*;
import io.github.moe4j.template.Py.Callable;
import io.github.moe4j.template.Py.Namespace;
import io.github.moe4j.template.Py.Tuple;
import io.github.moe4j.template.Py.Undefined;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Evaluates a parsed template against one context, with jinja2's scoping (a for-loop body and a macro
 * get their own scope; {@code if} does not) and the sandbox limits: output size, evaluation steps,
 * call depth and range size. One instance per render; not thread-safe.
 */
final class Renderer {
    static final int MAX_OUTPUT = 16 << 20;
    static final long MAX_STEPS = 20_000_000L;
    static final int MAX_CALL_DEPTH = 100;
    static final int MAX_RANGE = 100_000;

    final Supplier<LocalDateTime> now;
    private StringBuilder out = new StringBuilder();
    private long steps;
    private int callDepth;
    int line;

    Renderer(Supplier<LocalDateTime> now) {
        this.now = now;
    }

    /** A variable scope; lookups walk up to the globals. */
    static final class Scope {
        final HashMap<String, Object> vars = new HashMap<>();
        final Scope parent;

        Scope(Scope parent) {
            this.parent = parent;
        }

        Object lookup(String name) {
            for (Scope s = this; s != null; s = s.parent) {
                Object v = s.vars.get(name);
                if (v != null || s.vars.containsKey(name)) {
                    return v;
                }
            }
            return Py.MISSING;
        }
    }

    private static final class BreakSignal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int line;

        BreakSignal(int line) {
            super(null, null, false, false);
            this.line = line;
        }
    }

    private static final class ContinueSignal extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int line;

        ContinueSignal(int line) {
            super(null, null, false, false);
            this.line = line;
        }
    }

    TemplateError error(String msg) {
        return new TemplateError(msg, line);
    }

    // ---- entry -------------------------------------------------------------------------------

    String render(List<Stmt> body, Map<String, ?> context) {
        Scope globals = new Scope(null);
        Builtins.installGlobals(globals);
        Scope top = new Scope(globals);
        if (context != null) {
            for (Map.Entry<String, ?> e : context.entrySet()) {
                try {
                    top.vars.put(e.getKey(), Py.fromJava(e.getValue(), 0));
                } catch (IllegalArgumentException | ArithmeticException ex) {
                    throw new TemplateError("context variable '" + e.getKey() + "': " + ex.getMessage(), 0);
                }
            }
        }
        try {
            exec(body, top);
        } catch (BreakSignal b) {
            throw new TemplateError("'break' outside of a loop", b.line);
        } catch (ContinueSignal c) {
            throw new TemplateError("'continue' outside of a loop", c.line);
        }
        return out.toString();
    }

    void step() {
        if (++steps > MAX_STEPS) {
            throw error("template exceeded the limit of " + MAX_STEPS + " evaluation steps (endless loop?)");
        }
    }

    /** Charges work proportional to a value's size (copies, scans) against the step limit. */
    void charge(long n) {
        steps += n;
        if (steps > MAX_STEPS) {
            throw error("template exceeded the limit of " + MAX_STEPS + " evaluation steps (endless loop?)");
        }
    }

    /** The work of scanning or copying {@code v}: its element count, or a string's length / 16. */
    static long cost(Object v) {
        if (v instanceof String s) {
            return s.length() >> 4;
        }
        if (v instanceof java.util.Collection<?> c) {
            return c.size();
        }
        if (v instanceof Map<?, ?> m) {
            return m.size();
        }
        return 0;
    }

    void emit(String s) {
        if (out.length() + (long) s.length() > MAX_OUTPUT) {
            throw error("template output exceeds the limit of " + MAX_OUTPUT + " characters");
        }
        out.append(s);
    }

    /** Fails when a string about to be built would exceed the output limit. */
    void checkSize(long chars) {
        if (chars > MAX_OUTPUT) {
            throw error("string of " + chars + " characters exceeds the limit of " + MAX_OUTPUT);
        }
    }

    String capture(List<Stmt> body, Scope s) {
        StringBuilder saved = out;
        out = new StringBuilder();
        try {
            exec(body, s);
            return out.toString();
        } finally {
            out = saved;
        }
    }

    // ---- statements --------------------------------------------------------------------------

    void exec(List<Stmt> body, Scope s) {
        for (Stmt st : body) {
            step();
            line = st.line();
            switch (st) {
                case Text t -> emit(t.text());
                case Print p -> {
                    Object v;
                    try {
                        v = eval(p.expr(), s);
                    } catch (TemplateError err) {
                        v = folding ? Py.MISSING : fold(p.expr());
                        if (v == Py.MISSING) {
                            throw err;
                        }
                        v = unwrap(v);
                    }
                    emit(Py.str(v));
                }
                case If f -> {
                    boolean done = false;
                    for (int i = 0; i < f.tests().size(); i++) {
                        if (Py.truthy(eval(f.tests().get(i), s))) {
                            exec(f.bodies().get(i), s);
                            done = true;
                            break;
                        }
                    }
                    if (!done) {
                        exec(f.otherwise(), s);
                    }
                }
                case For f -> execFor(f, s);
                case Ast.Set set -> execSet(set, s);
                case SetBlock sb -> {
                    String text = capture(sb.body(), s);
                    Object v = text;
                    if (sb.filter() != null) {
                        v = applyToBody(sb.filter(), text, s);
                    }
                    s.vars.put(sb.target(), v);
                }
                case Macro m -> s.vars.put(m.name(), new MacroFn(m, s));
                case FilterBlock fb -> {
                    String text = capture(fb.body(), s);
                    emit(Py.str(applyToBody(fb.filter(), text, s)));
                }
                case Break b -> throw new BreakSignal(b.line());
                case Continue c -> throw new ContinueSignal(c.line());
                case Body b -> exec(b.body(), s);
            }
        }
    }

    private Object applyToBody(Expr filter, String text, Scope s) {
        Scope inner = new Scope(s);
        inner.vars.put(Parser.BODY, text);
        return eval(filter, inner);
    }

    private void execFor(For f, Scope s) {
        Object iterable = eval(f.iter(), s);
        if (iterable == null) {
            throw error("TypeError: 'NoneType' object is not iterable");
        }
        List<Object> items = Py.iterate(iterable, line);
        charge(items.size());
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                step();
                Scope fs = new Scope(s);
                bind(f.targets(), f.tuple(), item, fs);
                if (Py.truthy(eval(f.filter(), fs))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        // as jinja2 compiles it: the else block runs unless some iteration reached the end of the body
        // (an empty loop, or every iteration left by break or continue)
        boolean completed = false;
        LoopInfo loop = new LoopInfo(items);
        for (int i = 0; i < items.size(); i++) {
            step();
            loop.index = i;
            Scope ls = new Scope(s);
            bind(f.targets(), f.tuple(), items.get(i), ls);
            ls.vars.put("loop", loop);
            try {
                exec(f.body(), ls);
                completed = true;
            } catch (BreakSignal b) {
                break;
            } catch (ContinueSignal c) {
                // next item
            }
        }
        if (!completed && !f.otherwise().isEmpty()) {
            exec(f.otherwise(), new Scope(s));
        }
    }

    private void bind(List<String> targets, boolean tuple, Object value, Scope s) {
        if (!tuple) {
            s.vars.put(targets.get(0), value);
            return;
        }
        if (value instanceof Undefined u) {
            throw u.fail(line);
        }
        List<Object> parts = Py.iterate(value, line);
        if (parts.size() != targets.size()) {
            throw error("ValueError: " + (parts.size() < targets.size() ? "not enough values to unpack (expected "
                    + targets.size() + ", got " + parts.size() + ")" : "too many values to unpack (expected " + targets.size() + ")"));
        }
        for (int i = 0; i < targets.size(); i++) {
            s.vars.put(targets.get(i), parts.get(i));
        }
    }

    private void execSet(Ast.Set set, Scope s) {
        Object v = evalRaw(set.value(), s);
        if (set.attr() != null) {
            Object ns = s.lookup(set.targets().get(0));
            if (!(ns instanceof Namespace n)) {
                throw error("cannot assign attribute on non-namespace object");
            }
            n.attrs.put(set.attr(), v);
            return;
        }
        bind(set.targets(), set.tuple(), v, s);
    }

    // ---- loop object -------------------------------------------------------------------------

    /** The {@code loop} variable of a for loop. */
    static final class LoopInfo {
        final List<Object> items;
        int index;
        private Object lastChanged = Py.MISSING;

        LoopInfo(List<Object> items) {
            this.items = items;
        }

        Object attr(String name) {
            int n = items.size();
            return switch (name) {
                case "index" -> (long) index + 1;
                case "index0" -> (long) index;
                case "revindex" -> (long) (n - index);
                case "revindex0" -> (long) (n - index - 1);
                case "first" -> index == 0;
                case "last" -> index == n - 1;
                case "length" -> (long) n;
                case "depth" -> 1L;
                case "depth0" -> 0L;
                case "previtem" -> index > 0 ? items.get(index - 1) : new Undefined("there is no previous item");
                case "nextitem" -> index < n - 1 ? items.get(index + 1) : new Undefined("there is no next item");
                case "cycle" -> (Callable) (r, args, kw, line) -> {
                    if (args.isEmpty()) {
                        throw new TemplateError("no items for cycling given", line);
                    }
                    return args.get(index % args.size());
                };
                case "changed" -> (Callable) (r, args, kw, line) -> {
                    Object key = new Tuple(args);
                    if (lastChanged != Py.MISSING && Py.eq(lastChanged, key)) {
                        return false;
                    }
                    lastChanged = key;
                    return true;
                };
                default -> noAttr(this, name);
            };
        }
    }

    // ---- macros ------------------------------------------------------------------------------

    /** A macro bound to the scope it was defined in. */
    final class MacroFn implements Callable {
        private final Macro m;
        private final Scope defined;

        MacroFn(Macro m, Scope defined) {
            this.m = m;
            this.defined = defined;
        }

        @Override
        public Object call(Renderer r, List<Object> args, Map<String, Object> kwargs, int callLine) {
            if (callDepth >= MAX_CALL_DEPTH) {
                throw new TemplateError("macro calls nested deeper than " + MAX_CALL_DEPTH + " (endless recursion?)", callLine);
            }
            Scope s = new Scope(defined);
            List<String> params = m.params();
            List<Object> varargs = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                if (i < params.size()) {
                    s.vars.put(params.get(i), args.get(i));
                } else {
                    varargs.add(args.get(i));
                }
            }
            LinkedHashMap<Object, Object> extra = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : kwargs.entrySet()) {
                int idx = params.indexOf(e.getKey());
                if (idx >= 0 && idx < args.size()) {
                    throw new TemplateError("macro '" + m.name() + "' got multiple values for argument '" + e.getKey() + "'", callLine);
                }
                if (idx >= 0) {
                    s.vars.put(e.getKey(), e.getValue());
                } else {
                    extra.put(e.getKey(), e.getValue());
                }
            }
            int savedLine = line;
            callDepth++;
            try {
                for (int i = 0; i < params.size(); i++) {
                    if (!s.vars.containsKey(params.get(i))) {
                        Expr d = m.defaults().get(i);
                        s.vars.put(params.get(i), d == null
                                ? new Undefined("parameter '" + params.get(i) + "' was not provided") : eval(d, s));
                    }
                }
                s.vars.put("varargs", new Tuple(varargs));
                s.vars.put("kwargs", extra);
                return capture(m.body(), s);
            } finally {
                callDepth--;
                line = savedLine;
            }
        }
    }

    // ---- expressions -------------------------------------------------------------------------

    /** Evaluates to a plain value (a Markup string becomes a String). */
    Object eval(Expr e, Scope s) {
        Object v = evalRaw(e, s);
        return v instanceof Py.Markup m ? m.s() : v;
    }

    /**
     * Evaluates, keeping Markup (from safe/escape) so that '+' can escape the plain side as jinja2 does.
     * When evaluation fails, an expression made of constants only is retried as jinja2's optimizer
     * folds it at compile time (where a subscript goes through the lenient getitem).
     */
    Object evalRaw(Expr e, Scope s) {
        try {
            return evalNode(e, s);
        } catch (TemplateError err) {
            if (folding || e instanceof Const || e instanceof Name || e instanceof Call) {
                throw err;
            }
            Object v = fold(e);
            if (v != Py.MISSING && safeRepr(v, 0)) {
                return v;
            }
            throw err;
        }
    }

    /** jinja2's has_safe_repr: values its optimizer may turn into constants. */
    private static boolean safeRepr(Object v, int depth) {
        if (depth > 100) {
            return false;
        }
        if (v == null || v instanceof Boolean || v instanceof Long || v instanceof Double || v instanceof String) {
            return true;
        }
        if (v instanceof List<?> l && !(v instanceof Py.Range)) {
            return l.stream().allMatch(x -> safeRepr(x, depth + 1));
        }
        if (v instanceof Map<?, ?> m) {
            return m.entrySet().stream().allMatch(x -> safeRepr(x.getKey(), depth + 1) && safeRepr(x.getValue(), depth + 1));
        }
        return false;
    }

    /** The value jinja2's optimizer would fold {@code e} to, or MISSING when it is not a constant. */
    private Object fold(Expr e) {
        int savedLine = line;
        folding = true;
        try {
            return evalNode(e, new Scope(null));
        } catch (NotConstant | TemplateError ex) {
            return Py.MISSING;
        } finally {
            folding = false;
            line = savedLine;
        }
    }

    private Object evalNode(Expr e, Scope s) {
        step();
        line = e.line();
        return switch (e) {
            case Const c -> c.value();
            case Name n -> {
                if (folding) {
                    throw new NotConstant();
                }
                Object v = s.lookup(n.name());
                yield v == Py.MISSING ? new Undefined("'" + n.name() + "' is undefined") : v;
            }
            case GetAttr g -> getattr(eval(g.obj(), s), g.attr());
            case GetItem g -> {
                Object obj = eval(g.obj(), s);
                Object key = eval(g.key(), s);
                line = g.line();
                yield getitem(obj, key);
            }
            case Slice sl -> {
                Object obj = eval(sl.obj(), s);
                Object a = sl.start() == null ? null : eval(sl.start(), s);
                Object b = sl.stop() == null ? null : eval(sl.stop(), s);
                Object c = sl.step() == null ? null : eval(sl.step(), s);
                line = sl.line();
                yield slice(obj, a, b, c, sl.obj());
            }
            case Call c -> {
                if (folding) {
                    throw new NotConstant();
                }
                Object fn = eval(c.fn(), s);
                List<Object> args = evalAll(c.args(), s);
                Map<String, Object> kwargs = evalKw(c.kwargs(), s);
                line = c.line();
                yield call(fn, args, kwargs);
            }
            case Filter f -> {
                Object v = evalRaw(f.value(), s);
                List<Object> args = evalAll(f.args(), s);
                Map<String, Object> kwargs = evalKw(f.kwargs(), s);
                line = f.line();
                yield switch (f.name()) {
                    case "safe" -> v instanceof Py.Markup ? v : new Py.Markup(Py.str(v));
                    case "escape", "e" -> v instanceof Py.Markup ? v : new Py.Markup(Py.Markup.escape(Py.str(v)));
                    case "forceescape" -> new Py.Markup(Py.Markup.escape(Py.str(v instanceof Py.Markup m ? m.s() : v)));
                    default -> Builtins.filter(this, f.name(), v instanceof Py.Markup m ? m.s() : v, args, kwargs);
                };
            }
            case Test t -> {
                Object v = eval(t.value(), s);
                List<Object> args = evalAll(t.args(), s);
                line = t.line();
                yield Builtins.test(this, t.name(), v, args) != t.negated();
            }
            case Binary b -> binary(b, s);
            case Unary u -> {
                Object v = eval(u.operand(), s);
                line = u.line();
                yield switch (u.op()) {
                    case "not" -> !Py.truthy(v);
                    case "-" -> Ops.neg(this, v);
                    default -> Ops.pos(this, v);
                };
            }
            case Compare c -> {
                Object left = eval(c.first(), s);
                for (int i = 0; i < c.ops().size(); i++) {
                    Object right = eval(c.rest().get(i), s);
                    line = c.line();
                    if (!Ops.compare(this, c.ops().get(i), left, right)) {
                        yield false;
                    }
                    left = right;
                }
                yield true;
            }
            case Cond c -> Py.truthy(eval(c.test(), s)) ? evalRaw(c.then(), s)
                    : c.otherwise() == null ? new Undefined("the inline if-expression on line " + c.line()
                    + " evaluated to false and no else section was defined.") : evalRaw(c.otherwise(), s);
            case ListLit l -> evalAll(l.items(), s);
            case TupleLit t -> new Tuple(evalAll(t.items(), s));
            case DictLit d -> {
                LinkedHashMap<Object, Object> m = new LinkedHashMap<>();
                for (int i = 0; i < d.keys().size(); i++) {
                    Object k = eval(d.keys().get(i), s);
                    if (k instanceof List<?> && !(k instanceof Tuple) || k instanceof Map || k instanceof Undefined) {
                        throw error("TypeError: unhashable type: '" + Py.typeName(k) + "'");
                    }
                    Object v = eval(d.values().get(i), s);
                    Object existing = Py.findKey(m, k);
                    m.put(existing == Py.MISSING ? k : existing, v);
                }
                yield m;
            }
        };
    }

    private List<Object> evalAll(List<Expr> es, Scope s) {
        List<Object> out = new ArrayList<>(es.size());
        for (Expr x : es) {
            out.add(eval(x, s));
        }
        return out;
    }

    private Map<String, Object> evalKw(List<Kw> kws, Scope s) {
        if (kws.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (Kw k : kws) {
            out.put(k.name(), eval(k.value(), s));
        }
        return out;
    }

    private Object binary(Binary b, Scope s) {
        String op = b.op();
        if (op.equals("and")) {
            Object l = evalRaw(b.left(), s);
            return Py.truthy(unwrap(l)) ? evalRaw(b.right(), s) : l;
        }
        if (op.equals("or")) {
            Object l = evalRaw(b.left(), s);
            return Py.truthy(unwrap(l)) ? l : evalRaw(b.right(), s);
        }
        if (op.equals("+")) {
            Object l = evalRaw(b.left(), s);
            Object r = evalRaw(b.right(), s);
            line = b.line();
            boolean lm = l instanceof Py.Markup;
            boolean rm = r instanceof Py.Markup;
            if ((lm || rm) && (l instanceof String || lm) && (r instanceof String || rm)) {
                String x = lm ? ((Py.Markup) l).s() : Py.Markup.escape((String) l);
                String y = rm ? ((Py.Markup) r).s() : Py.Markup.escape((String) r);
                checkSize((long) x.length() + y.length());
                return new Py.Markup(x + y);
            }
            return Ops.binary(this, op, unwrap(l), unwrap(r));
        }
        Object l = eval(b.left(), s);
        Object r = eval(b.right(), s);
        line = b.line();
        return Ops.binary(this, op, l, r);
    }

    static Object unwrap(Object v) {
        return v instanceof Py.Markup m ? m.s() : v;
    }

    Object call(Object fn, List<Object> args, Map<String, Object> kwargs) {
        if (fn instanceof Undefined u) {
            throw u.fail(line);
        }
        if (fn instanceof Callable c) {
            return c.call(this, args, kwargs, line);
        }
        throw error("TypeError: '" + Py.typeName(fn) + "' object is not callable");
    }

    // ---- attribute and item access (jinja2's sandboxed getattr / getitem) ---------------------

    Object getattr(Object obj, String name) {
        if (obj instanceof Undefined u) {
            throw u.fail(line);
        }
        if (name.startsWith("_")) {
            return new Undefined("SecurityError: access to attribute '" + name + "' of '" + Py.typeName(obj)
                    + "' object is unsafe.");
        }
        if (obj instanceof Map<?, ?> m) {
            if (Methods.DICT.contains(name)) {
                return Methods.bind(obj, name);
            }
            if (Methods.DICT_MUTATING.contains(name)) {
                return unsafe(obj, name);
            }
            Object k = Py.findKey(m, name);
            return k == Py.MISSING ? noAttr(obj, name) : m.get(k);
        }
        if (obj instanceof String) {
            return Methods.STR.contains(name) ? Methods.bind(obj, name) : noAttr(obj, name);
        }
        if (obj instanceof List) {
            if (Methods.LIST.contains(name)) {
                return Methods.bind(obj, name);
            }
            return Methods.LIST_MUTATING.contains(name) && !(obj instanceof Tuple) ? unsafe(obj, name) : noAttr(obj, name);
        }
        if (obj instanceof Namespace ns) {
            Object v = ns.attrs.get(name);
            return v != null || ns.attrs.containsKey(name) ? v : noAttr(obj, name);
        }
        if (obj instanceof LoopInfo li) {
            return li.attr(name);
        }
        if (obj instanceof Builtins.Joiner || obj instanceof Builtins.Cycler) {
            return Builtins.objectAttr(obj, name);
        }
        return noAttr(obj, name);
    }

    /** jinja2's message for a missing attribute or item: "'dict object' has no attribute 'x'". */
    static Undefined noAttr(Object obj, Object name) {
        String type = obj == null ? "None" : Py.typeName(obj) + " object";
        if (name instanceof String) {
            return new Undefined(Py.repr(type) + " has no attribute " + Py.repr(name));
        }
        return new Undefined(type + " has no element " + Py.repr(name));
    }

    private static Undefined unsafe(Object obj, String name) {
        return new Undefined("SecurityError: access to attribute '" + name + "' of '" + Py.typeName(obj)
                + "' object is unsafe.");
    }

    Object getitem(Object obj, Object key) {
        if (obj instanceof Undefined u) {
            throw u.fail(line);
        }
        if (obj instanceof Map<?, ?> m) {
            Object k = Py.findKey(m, key);
            if (k != Py.MISSING) {
                return m.get(k);
            }
        } else if ((obj instanceof List || obj instanceof String) && Py.isInt(key)) {
            long i = Py.toLong(key);
            if (obj instanceof List<?> l) {
                long idx = i < 0 ? i + l.size() : i;
                if (idx >= 0 && idx < l.size()) {
                    return l.get((int) idx);
                }
            } else {
                String str = (String) obj;
                if (!Py.hasSurrogates(str)) {
                    long idx = i < 0 ? i + str.length() : i;
                    if (idx >= 0 && idx < str.length()) {
                        return String.valueOf(str.charAt((int) idx));
                    }
                } else {
                    int[] cps = str.codePoints().toArray();
                    long idx = i < 0 ? i + cps.length : i;
                    if (idx >= 0 && idx < cps.length) {
                        return new String(cps, (int) idx, 1);
                    }
                }
            }
            return noAttr(obj, key);
        }
        if (key instanceof String name) {
            return getattr(obj, name);
        }
        return noAttr(obj, key);
    }

    /** Thrown while checking whether an expression is a compile-time constant in jinja2's sense. */
    private static final class NotConstant extends RuntimeException {
        private static final long serialVersionUID = 1L;

        NotConstant() {
            super(null, null, false, false);
        }
    }

    private boolean folding;

    private Object slice(Object obj, Object start, Object stop, Object stepV, Expr objExpr) {
        if (obj instanceof Undefined u) {
            throw u.fail(line);
        }
        int n;
        int[] cps = null;
        if (obj instanceof String str) {
            cps = str.codePoints().toArray();
            n = cps.length;
        } else if (obj instanceof List<?> l) {
            n = l.size();
        } else {
            if (folding) {
                return new Undefined(Py.typeName(obj) + " object has no element slice");
            }
            throw error(obj instanceof Map ? "TypeError: unhashable type: 'slice'"
                    : "TypeError: '" + Py.typeName(obj) + "' object is not subscriptable");
        }
        long step = sliceInt(stepV, 1);
        if (step == 0) {
            throw error("ValueError: slice step cannot be zero");
        }
        long lo;
        long hi;
        if (step > 0) {
            lo = clampIndex(start, 0, n, 0, n);
            hi = clampIndex(stop, n, n, 0, n);
        } else {
            lo = clampIndex(start, n - 1, n, -1, n - 1);
            hi = clampIndex(stop, -1, n, -1, n - 1);
            if (stop == null) {
                hi = -1;
            }
        }
        List<Integer> idx = new ArrayList<>();
        if (step > 0) {
            for (long i = lo; i < hi; i += step) {
                idx.add((int) i);
            }
        } else {
            for (long i = lo; i > hi; i += step) {
                idx.add((int) i);
            }
        }
        if (cps != null) {
            StringBuilder sb = new StringBuilder();
            for (int i : idx) {
                sb.appendCodePoint(cps[i]);
            }
            return sb.toString();
        }
        if (obj instanceof Py.Range rg) {
            return new Py.Range(rg.start + lo * rg.step, rg.start + hi * rg.step, rg.step * step);
        }
        List<?> l = (List<?>) obj;
        List<Object> res = new ArrayList<>(idx.size());
        for (int i : idx) {
            res.add(l.get(i));
        }
        return obj instanceof Tuple ? new Tuple(res) : res;
    }

    private long sliceInt(Object v, long dflt) {
        if (v == null) {
            return dflt;
        }
        if (Py.isInt(v)) {
            return Py.toLong(v);
        }
        throw error("TypeError: slice indices must be integers or None");
    }

    /** Python's slice index adjustment: negative counts from the end, then clamps to [lo, hi]. */
    private long clampIndex(Object v, long dflt, int n, long lo, long hi) {
        if (v == null) {
            return dflt;
        }
        long i = sliceInt(v, dflt);
        if (i < 0) {
            i += n;
        }
        return Math.max(lo, Math.min(hi, i));
    }
}
