package io.github.moe4j.template;

import java.util.List;

/** The syntax tree: expressions and statements, each with its 1-based template line. */
final class Ast {
    private Ast() {
    }

    // ---- expressions -------------------------------------------------------------------------

    sealed interface Expr permits Const, Name, GetAttr, GetItem, Slice, Call, Filter, Test, Binary, Unary, Compare,
            Cond, ListLit, TupleLit, DictLit {
        int line();
    }

    /** A keyword argument {@code name=value}. */
    record Kw(String name, Expr value) {
    }

    record Const(Object value, int line) implements Expr {
    }

    record Name(String name, int line) implements Expr {
    }

    record GetAttr(Expr obj, String attr, int line) implements Expr {
    }

    record GetItem(Expr obj, Expr key, int line) implements Expr {
    }

    /** {@code obj[start:stop:step]}; absent parts are null. */
    record Slice(Expr obj, Expr start, Expr stop, Expr step, int line) implements Expr {
    }

    record Call(Expr fn, List<Expr> args, List<Kw> kwargs, int line) implements Expr {
    }

    record Filter(Expr value, String name, List<Expr> args, List<Kw> kwargs, int line) implements Expr {
    }

    record Test(Expr value, String name, List<Expr> args, boolean negated, int line) implements Expr {
    }

    /** Arithmetic, {@code ~}, {@code and}, {@code or}. */
    record Binary(String op, Expr left, Expr right, int line) implements Expr {
    }

    /** {@code not}, unary {@code -} and {@code +}. */
    record Unary(String op, Expr operand, int line) implements Expr {
    }

    /** A chain {@code a < b <= c}; ops are {@code == != < > <= >= in notin}. */
    record Compare(Expr first, List<String> ops, List<Expr> rest, int line) implements Expr {
    }

    /** {@code then if test else otherwise}; otherwise may be null (undefined). */
    record Cond(Expr test, Expr then, Expr otherwise, int line) implements Expr {
    }

    record ListLit(List<Expr> items, int line) implements Expr {
    }

    record TupleLit(List<Expr> items, int line) implements Expr {
    }

    record DictLit(List<Expr> keys, List<Expr> values, int line) implements Expr {
    }

    // ---- statements --------------------------------------------------------------------------

    sealed interface Stmt permits Text, Print, If, For, Set, SetBlock, Macro, FilterBlock, Break, Continue, Body {
        int line();
    }

    record Text(String text, int line) implements Stmt {
    }

    record Print(Expr expr, int line) implements Stmt {
    }

    record If(List<Expr> tests, List<List<Stmt>> bodies, List<Stmt> otherwise, int line) implements Stmt {
    }

    /** Targets are names (one, or several unpacked). */
    record For(List<String> targets, boolean tuple, Expr iter, Expr filter, List<Stmt> body, List<Stmt> otherwise,
               int line) implements Stmt {
    }

    /** {@code set a = v}, {@code set a, b = v}, {@code set ns.attr = v} (attr non-null). */
    record Set(List<String> targets, boolean tuple, String attr, Expr value, int line) implements Stmt {
    }

    /** {@code set name %}body{% endset}; {@code filter} applies to the placeholder {@link Parser#BODY}, or null. */
    record SetBlock(String target, Expr filter, List<Stmt> body, int line) implements Stmt {
    }

    record Macro(String name, List<String> params, List<Expr> defaults, List<Stmt> body, int line) implements Stmt {
    }

    record FilterBlock(Expr filter, List<Stmt> body, int line) implements Stmt {
    }

    record Break(int line) implements Stmt {
    }

    record Continue(int line) implements Stmt {
    }

    /** A plain sequence of statements ({@code generation} blocks, the template itself). */
    record Body(List<Stmt> body, int line) implements Stmt {
    }
}
