package io.github.moe4j.template;

import io.github.moe4j.template.Ast.*;
import io.github.moe4j.template.Lexer.Tok;
import io.github.moe4j.template.Lexer.Type;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** Recursive-descent parser from tokens to {@link Ast}, with jinja2's operator precedence. */
final class Parser {
    /** Name of the placeholder that filter blocks and block sets apply their filters to. */
    static final String BODY = "\u0000body";
    /** Deepest nesting of blocks and expressions accepted (no stack overflow on hostile input). */
    static final int MAX_DEPTH = 200;

    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", ">", "<=", ">=");

    private final List<Tok> toks;
    private int p;
    private int depth;

    private Parser(List<Tok> toks) {
        this.toks = toks;
    }

    static List<Stmt> parse(String name, String source) {
        Parser ps = new Parser(Lexer.tokenize(name, source));
        List<Stmt> body = ps.parseBody(Set.of());
        if (ps.cur().type() != Type.EOF) {
            throw ps.error("unexpected '" + ps.cur().text() + "'");
        }
        return body;
    }

    // ---- token helpers -----------------------------------------------------------------------

    private Tok cur() {
        return toks.get(p);
    }

    private Tok peek(int k) {
        return toks.get(Math.min(p + k, toks.size() - 1));
    }

    private Tok next() {
        Tok t = toks.get(p);
        if (t.type() != Type.EOF) {
            p++;
        }
        return t;
    }

    private TemplateError error(String msg) {
        return new TemplateError(msg, cur().line());
    }

    private void expectOp(String op) {
        if (!cur().isOp(op)) {
            throw error("expected '" + op + "', got '" + describe(cur()) + "'");
        }
        p++;
    }

    private String expectName() {
        if (cur().type() != Type.NAME) {
            throw error("expected a name, got '" + describe(cur()) + "'");
        }
        return next().text();
    }

    private void expectBlockEnd() {
        if (cur().type() != Type.BLOCK_END) {
            throw error("expected end of block tag, got '" + describe(cur()) + "'");
        }
        p++;
    }

    private static String describe(Tok t) {
        return t.type() == Type.EOF ? "end of template" : t.text();
    }

    private boolean skipOp(String op) {
        if (cur().isOp(op)) {
            p++;
            return true;
        }
        return false;
    }

    private void enter() {
        if (++depth > MAX_DEPTH) {
            throw error("template nested too deeply (more than " + MAX_DEPTH + " levels)");
        }
    }

    // ---- statements --------------------------------------------------------------------------

    /** Parses until a block tag whose first name is in {@code ends} (left unconsumed, after '{%'). */
    private List<Stmt> parseBody(Set<String> ends) {
        enter();
        List<Stmt> body = new ArrayList<>();
        while (true) {
            Tok t = cur();
            switch (t.type()) {
                case EOF -> {
                    if (!ends.isEmpty()) {
                        throw error("unexpected end of template, expected " + String.join(" or ", ends.stream().sorted().toList()));
                    }
                    depth--;
                    return body;
                }
                case TEXT -> {
                    body.add(new Text(t.text(), t.line()));
                    p++;
                }
                case VAR_BEGIN -> {
                    p++;
                    Expr e = parseTuple(true);
                    if (cur().type() != Type.VAR_END) {
                        throw error("expected end of print statement, got '" + describe(cur()) + "'");
                    }
                    p++;
                    body.add(new Print(e, t.line()));
                }
                case BLOCK_BEGIN -> {
                    Tok kw = peek(1);
                    if (kw.type() == Type.NAME && ends.contains(kw.text())) {
                        p++;
                        depth--;
                        return body;
                    }
                    p++;
                    body.add(parseStatement());
                }
                default -> throw error("unexpected '" + t.text() + "'");
            }
        }
    }

    private String endTag() {
        // positioned after '{%' on the end keyword
        return next().text();
    }

    private Stmt parseStatement() {
        Tok kw = cur();
        if (kw.type() != Type.NAME) {
            throw error("expected a statement name, got '" + describe(kw) + "'");
        }
        int line = kw.line();
        p++;
        switch (kw.text()) {
            case "if" -> {
                List<Expr> tests = new ArrayList<>();
                List<List<Stmt>> bodies = new ArrayList<>();
                List<Stmt> otherwise = List.of();
                tests.add(parseTuple(false));
                expectBlockEnd();
                while (true) {
                    bodies.add(parseBody(Set.of("elif", "else", "endif")));
                    String end = endTag();
                    if (end.equals("elif")) {
                        tests.add(parseTuple(false));
                        expectBlockEnd();
                    } else if (end.equals("else")) {
                        expectBlockEnd();
                        otherwise = parseBody(Set.of("endif"));
                        endTag();
                        expectBlockEnd();
                        break;
                    } else {
                        expectBlockEnd();
                        break;
                    }
                }
                return new If(tests, bodies, otherwise, line);
            }
            case "for" -> {
                List<String> targets = new ArrayList<>();
                boolean tuple = parseTargets(targets);
                if (!cur().isName("in")) {
                    throw error("expected 'in', got '" + describe(cur()) + "'");
                }
                p++;
                Expr iter = parseTuple(false, true);
                Expr filter = null;
                if (cur().isName("if")) {
                    p++;
                    filter = parseExpression(true);
                }
                if (cur().isName("recursive")) {
                    throw error("recursive loops are not supported");
                }
                expectBlockEnd();
                List<Stmt> body = parseBody(Set.of("endfor", "else"));
                List<Stmt> otherwise = List.of();
                if (endTag().equals("else")) {
                    expectBlockEnd();
                    otherwise = parseBody(Set.of("endfor"));
                    endTag();
                }
                expectBlockEnd();
                return new For(targets, tuple, iter, filter, body, otherwise, line);
            }
            case "set" -> {
                if (cur().type() == Type.NAME && peek(1).isOp(".") && peek(2).type() == Type.NAME) {
                    String ns = next().text();
                    p++;
                    String attr = next().text();
                    expectOp("=");
                    Expr v = parseTuple(true);
                    expectBlockEnd();
                    return new Ast.Set(List.of(ns), false, attr, v, line);
                }
                List<String> targets = new ArrayList<>();
                boolean tuple = parseTargets(targets);
                if (skipOp("=")) {
                    Expr v = parseTuple(true);
                    expectBlockEnd();
                    return new Ast.Set(targets, tuple, null, v, line);
                }
                if (tuple) {
                    throw error("expected '='");
                }
                Expr filter = null;
                if (cur().isOp("|")) {
                    filter = parseFilterChain(new Name(BODY, line));
                }
                expectBlockEnd();
                List<Stmt> body = parseBody(Set.of("endset"));
                endTag();
                expectBlockEnd();
                return new SetBlock(targets.get(0), filter, body, line);
            }
            case "macro" -> {
                String name = expectName();
                expectOp("(");
                List<String> params = new ArrayList<>();
                List<Expr> defaults = new ArrayList<>();
                while (!cur().isOp(")")) {
                    if (!params.isEmpty()) {
                        expectOp(",");
                        if (cur().isOp(")")) {
                            break;
                        }
                    }
                    params.add(expectName());
                    if (skipOp("=")) {
                        defaults.add(parseExpression(true));
                    } else {
                        if (defaults.stream().anyMatch(d -> d != null)) {
                            throw error("non-default argument follows default argument");
                        }
                        defaults.add(null);
                    }
                }
                p++;
                expectBlockEnd();
                List<Stmt> body = parseBody(Set.of("endmacro"));
                endTag();
                if (cur().type() == Type.NAME) {
                    p++;
                }
                expectBlockEnd();
                return new Macro(name, params, defaults, body, line);
            }
            case "filter" -> {
                Expr f = parseFilterChainNoPipe(new Name(BODY, line));
                expectBlockEnd();
                List<Stmt> body = parseBody(Set.of("endfilter"));
                endTag();
                expectBlockEnd();
                return new FilterBlock(f, body, line);
            }
            case "generation" -> {
                expectBlockEnd();
                List<Stmt> body = parseBody(Set.of("endgeneration"));
                endTag();
                expectBlockEnd();
                return new Body(body, line);
            }
            case "break" -> {
                expectBlockEnd();
                return new Break(line);
            }
            case "continue" -> {
                expectBlockEnd();
                return new Continue(line);
            }
            default -> throw new TemplateError("encountered unknown tag '" + kw.text() + "'"
                    + (Set.of("include", "import", "from", "extends", "block", "call", "do", "with", "autoescape").contains(kw.text())
                    ? " (not supported in chat templates)" : ""), line);
        }
    }

    /** Parses {@code a} or {@code a, b, ...}; returns whether it was a tuple. */
    private boolean parseTargets(List<String> targets) {
        boolean paren = skipOp("(");
        targets.add(expectName());
        boolean tuple = paren;
        while (skipOp(",")) {
            tuple = true;
            if (cur().type() != Type.NAME) {
                break;
            }
            targets.add(expectName());
        }
        if (paren) {
            expectOp(")");
        }
        return tuple;
    }

    // ---- expressions -------------------------------------------------------------------------

    private Expr parseTuple(boolean withCond) {
        return parseTuple(withCond, false);
    }

    /** An expression, or a bare tuple {@code a, b}. */
    private Expr parseTuple(boolean withCond, boolean forIter) {
        int line = cur().line();
        List<Expr> items = new ArrayList<>();
        boolean comma = false;
        while (true) {
            if (!items.isEmpty()) {
                if (!skipOp(",")) {
                    break;
                }
                comma = true;
            }
            if (isTupleEnd(forIter)) {
                break;
            }
            items.add(parseExpression(withCond));
        }
        if (!comma) {
            if (items.isEmpty()) {
                throw error("expected an expression, got '" + describe(cur()) + "'");
            }
            return items.get(0);
        }
        return new TupleLit(items, line);
    }

    private boolean isTupleEnd(boolean forIter) {
        Tok t = cur();
        return t.type() == Type.VAR_END || t.type() == Type.BLOCK_END || t.type() == Type.EOF || t.isOp(")")
                || (forIter && (t.isName("if") || t.isName("recursive")));
    }

    private Expr parseExpression(boolean withCond) {
        enter();
        Expr e = withCond ? parseCond() : parseOr();
        depth--;
        return e;
    }

    private Expr parseCond() {
        Expr e = parseOr();
        while (cur().isName("if")) {
            int line = next().line();
            Expr test = parseOr();
            Expr otherwise = null;
            if (cur().isName("else")) {
                p++;
                enter();
                otherwise = parseCond();
                depth--;
            }
            e = new Cond(test, e, otherwise, line);
        }
        return e;
    }

    private Expr parseOr() {
        Expr e = parseAnd();
        int start = depth;
        while (cur().isName("or")) {
            int line = next().line();
            enter();
            e = new Binary("or", e, parseAnd(), line);
        }
        depth = start;
        return e;
    }

    private Expr parseAnd() {
        Expr e = parseNot();
        int start = depth;
        while (cur().isName("and")) {
            int line = next().line();
            enter();
            e = new Binary("and", e, parseNot(), line);
        }
        depth = start;
        return e;
    }

    private Expr parseNot() {
        if (cur().isName("not")) {
            int line = next().line();
            enter();
            Expr e = new Unary("not", parseNot(), line);
            depth--;
            return e;
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        int line = cur().line();
        Expr first = parseMath1();
        int start = depth;
        List<String> ops = new ArrayList<>();
        List<Expr> rest = new ArrayList<>();
        while (true) {
            Tok t = cur();
            if (t.type() == Type.OP && COMPARE_OPS.contains(t.text())) {
                p++;
                ops.add(t.text());
            } else if (t.isName("in")) {
                p++;
                ops.add("in");
            } else if (t.isName("not") && peek(1).isName("in")) {
                p += 2;
                ops.add("notin");
            } else {
                break;
            }
            enter();
            rest.add(parseMath1());
        }
        depth = start;
        return ops.isEmpty() ? first : new Compare(first, ops, rest, line);
    }

    private Expr parseMath1() {
        Expr e = parseConcat();
        int start = depth;
        while (cur().isOp("+") || cur().isOp("-")) {
            Tok t = next();
            enter();
            e = new Binary(t.text(), e, parseConcat(), t.line());
        }
        depth = start;
        return e;
    }

    private Expr parseConcat() {
        Expr e = parseMath2();
        int start = depth;
        while (cur().isOp("~")) {
            Tok t = next();
            enter();
            e = new Binary("~", e, parseMath2(), t.line());
        }
        depth = start;
        return e;
    }

    private Expr parseMath2() {
        Expr e = parsePow();
        int start = depth;
        while (cur().isOp("*") || cur().isOp("/") || cur().isOp("//") || cur().isOp("%")) {
            Tok t = next();
            enter();
            e = new Binary(t.text(), e, parsePow(), t.line());
        }
        depth = start;
        return e;
    }

    private Expr parsePow() {
        Expr e = parseUnary(true);
        int start = depth;
        while (cur().isOp("**")) {
            Tok t = next();
            enter();
            e = new Binary("**", e, parseUnary(true), t.line());
        }
        depth = start;
        return e;
    }

    private Expr parseUnary(boolean withFilter) {
        Tok t = cur();
        Expr e;
        if (t.isOp("-") || t.isOp("+")) {
            p++;
            enter();
            e = new Unary(t.text(), parseUnary(false), t.line());
            depth--;
        } else {
            e = parsePrimary();
        }
        e = parsePostfix(e);
        if (withFilter) {
            e = parseFilterExpr(e);
        }
        return e;
    }

    private Expr parsePrimary() {
        Tok t = next();
        int line = t.line();
        switch (t.type()) {
            case NAME -> {
                return switch (t.text()) {
                    case "true", "True" -> new Const(Boolean.TRUE, line);
                    case "false", "False" -> new Const(Boolean.FALSE, line);
                    case "none", "None" -> new Const(null, line);
                    default -> new Name(t.text(), line);
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder((String) t.value());
                while (cur().type() == Type.STRING) {
                    sb.append((String) next().value());
                }
                return new Const(sb.toString(), line);
            }
            case INT, FLOAT -> {
                return new Const(t.value(), line);
            }
            case OP -> {
                enter();
                try {
                    switch (t.text()) {
                        case "(" -> {
                            if (skipOp(")")) {
                                return new TupleLit(List.of(), line);
                            }
                            Expr e = parseTuple(true);
                            expectOp(")");
                            return e;
                        }
                        case "[" -> {
                            List<Expr> items = new ArrayList<>();
                            while (!cur().isOp("]")) {
                                if (!items.isEmpty()) {
                                    expectOp(",");
                                    if (cur().isOp("]")) {
                                        break;
                                    }
                                }
                                items.add(parseExpression(true));
                            }
                            p++;
                            return new ListLit(items, line);
                        }
                        case "{" -> {
                            List<Expr> keys = new ArrayList<>();
                            List<Expr> values = new ArrayList<>();
                            while (!cur().isOp("}")) {
                                if (!keys.isEmpty()) {
                                    expectOp(",");
                                    if (cur().isOp("}")) {
                                        break;
                                    }
                                }
                                keys.add(parseExpression(true));
                                expectOp(":");
                                values.add(parseExpression(true));
                            }
                            p++;
                            return new DictLit(keys, values, line);
                        }
                        default -> {
                        }
                    }
                } finally {
                    depth--;
                }
            }
            default -> {
            }
        }
        p--;
        throw error("unexpected '" + describe(t) + "'");
    }

    private Expr parsePostfix(Expr e) {
        int start = depth;
        try {
            while (true) {
                Tok t = cur();
                if (t.isOp(".")) {
                    p++;
                    Tok a = next();
                    if (a.type() == Type.NAME) {
                        e = new GetAttr(e, a.text(), a.line());
                    } else if (a.type() == Type.INT) {
                        e = new GetItem(e, new Const(a.value(), a.line()), a.line());
                    } else {
                        p--;
                        throw error("expected an attribute name after '.'");
                    }
                } else if (t.isOp("[")) {
                    p++;
                    e = parseSubscript(e, t.line());
                } else if (t.isOp("(")) {
                    e = parseCall(e);
                } else {
                    return e;
                }
                enter();
            }
        } finally {
            depth = start;
        }
    }

    private Expr parseSubscript(Expr obj, int line) {
        Expr[] parts = new Expr[3];
        boolean slice = false;
        int idx = 0;
        List<Expr> tuple = new ArrayList<>();
        while (true) {
            if (cur().isOp(":")) {
                slice = true;
                p++;
                idx++;
                if (idx > 2) {
                    throw error("invalid slice");
                }
                continue;
            }
            if (cur().isOp("]")) {
                p++;
                break;
            }
            if (cur().isOp(",") && !slice) {
                p++;
                tuple.add(parts[0]);
                parts[0] = null;
                continue;
            }
            if (parts[idx] != null) {
                throw error("expected ']' or ':', got '" + describe(cur()) + "'");
            }
            parts[idx] = parseExpression(true);
        }
        if (slice) {
            return new Slice(obj, parts[0], parts[1], parts[2], line);
        }
        if (!tuple.isEmpty()) {
            if (parts[0] != null) {
                tuple.add(parts[0]);
            }
            return new GetItem(obj, new TupleLit(tuple, line), line);
        }
        if (parts[0] == null) {
            return new GetItem(obj, new TupleLit(List.of(), line), line); // jinja2 reads x[] as x[()]
        }
        return new GetItem(obj, parts[0], line);
    }

    private record Args(List<Expr> args, List<Kw> kwargs) {
    }

    private Args parseArgs() {
        expectOp("(");
        List<Expr> args = new ArrayList<>();
        List<Kw> kwargs = new ArrayList<>();
        while (!cur().isOp(")")) {
            if (!args.isEmpty() || !kwargs.isEmpty()) {
                expectOp(",");
                if (cur().isOp(")")) {
                    break;
                }
            }
            if (cur().isOp("*") || cur().isOp("**")) {
                throw error("*args and **kwargs in calls are not supported");
            }
            if (cur().type() == Type.NAME && peek(1).isOp("=")) {
                String k = next().text();
                p++;
                kwargs.add(new Kw(k, parseExpression(true)));
            } else {
                if (!kwargs.isEmpty()) {
                    throw error("positional argument follows keyword argument");
                }
                args.add(parseExpression(true));
            }
        }
        p++;
        return new Args(args, kwargs);
    }

    private Expr parseCall(Expr fn) {
        int line = cur().line();
        Args a = parseArgs();
        return new Call(fn, a.args(), a.kwargs(), line);
    }

    private Expr parseFilterExpr(Expr e) {
        int start = depth;
        try {
            while (true) {
                Tok t = cur();
                if (t.isOp("|")) {
                    p++;
                    e = parseOneFilter(e);
                } else if (t.isName("is")) {
                    p++;
                    e = parseTest(e);
                } else if (t.isOp("(")) {
                    e = parseCall(e);
                } else {
                    return e;
                }
                enter();
            }
        } finally {
            depth = start;
        }
    }

    private Expr parseFilterChain(Expr base) {
        Expr e = base;
        while (skipOp("|")) {
            e = parseOneFilter(e);
        }
        return e;
    }

    private Expr parseFilterChainNoPipe(Expr base) {
        Expr e = parseOneFilter(base);
        return parseFilterChain(e);
    }

    private Expr parseOneFilter(Expr value) {
        int line = cur().line();
        StringBuilder name = new StringBuilder(expectName());
        while (cur().isOp(".") && peek(1).type() == Type.NAME) {
            p++;
            name.append('.').append(next().text());
        }
        if (cur().isOp("(")) {
            Args a = parseArgs();
            return new Filter(value, name.toString(), a.args(), a.kwargs(), line);
        }
        return new Filter(value, name.toString(), List.of(), List.of(), line);
    }

    private Expr parseTest(Expr value) {
        int line = cur().line();
        boolean negated = false;
        if (cur().isName("not")) {
            p++;
            negated = true;
        }
        String name = expectName();
        if (cur().isOp("(")) {
            Args a = parseArgs();
            if (!a.kwargs().isEmpty()) {
                throw error("keyword arguments to tests are not supported");
            }
            return new Test(value, name, a.args(), negated, line);
        }
        Tok t = cur();
        // as jinja2: a name, literal, list or dict right after the test name is its one argument
        boolean argStart = (t.type() == Type.NAME || t.type() == Type.STRING || t.type() == Type.INT
                || t.type() == Type.FLOAT || t.isOp("[") || t.isOp("{"))
                && !(t.isName("else") || t.isName("or") || t.isName("and"));
        if (argStart) {
            Expr arg = parsePostfix(parseUnary(false));
            return new Test(value, name, List.of(arg), negated, line);
        }
        return new Test(value, name, List.of(), negated, line);
    }
}
