package io.github.moe4j.template;

import io.github.moe4j.template.Py.Tuple;
import io.github.moe4j.template.Py.Undefined;

import java.util.ArrayList;
import java.util.List;

/** Python operators on template values: arithmetic, concatenation, comparison. */
final class Ops {
    private Ops() {
    }

    static boolean compare(Renderer r, String op, Object l, Object rv) {
        r.charge(Renderer.cost(rv));
        return switch (op) {
            case "==" -> Py.eq(l, rv);
            case "!=" -> !Py.eq(l, rv);
            case "in" -> Py.contains(rv, l, r.line);
            case "notin" -> !Py.contains(rv, l, r.line);
            case "<" -> Py.compare(l, rv, op, r.line) < 0;
            case ">" -> Py.compare(l, rv, op, r.line) > 0;
            case "<=" -> Py.compare(l, rv, op, r.line) <= 0;
            case ">=" -> Py.compare(l, rv, op, r.line) >= 0;
            default -> throw r.error("unknown comparison " + op);
        };
    }

    static Object neg(Renderer r, Object v) {
        if (v instanceof Double d) {
            return -d;
        }
        if (Py.isInt(v)) {
            try {
                return Math.negateExact(Py.toLong(v));
            } catch (ArithmeticException e) {
                throw r.error("integer overflow");
            }
        }
        throw fail(r, v, "bad operand type for unary -: '" + Py.typeName(v) + "'");
    }

    static Object pos(Renderer r, Object v) {
        if (v instanceof Double) {
            return v;
        }
        if (Py.isInt(v)) {
            return Py.toLong(v);
        }
        throw fail(r, v, "bad operand type for unary +: '" + Py.typeName(v) + "'");
    }

    private static TemplateError fail(Renderer r, Object v, String msg) {
        if (v instanceof Undefined u) {
            return u.fail(r.line);
        }
        return r.error("TypeError: " + msg);
    }

    private static TemplateError unsupported(Renderer r, String op, Object a, Object b) {
        if (a instanceof Undefined u) {
            return u.fail(r.line);
        }
        if (b instanceof Undefined u) {
            return u.fail(r.line);
        }
        if (op.equals("+") && a instanceof String) {
            return r.error("TypeError: can only concatenate str (not \"" + Py.typeName(b) + "\") to str");
        }
        if (op.equals("+") && a instanceof List && !(a instanceof Tuple)) {
            return r.error("TypeError: can only concatenate list (not \"" + Py.typeName(b) + "\") to list");
        }
        return r.error("TypeError: unsupported operand type(s) for " + op + ": '" + Py.typeName(a) + "' and '"
                + Py.typeName(b) + "'");
    }

    static Object binary(Renderer r, String op, Object a, Object b) {
        if (op.equals("~")) {
            String x = Py.str(a);
            String y = Py.str(b);
            r.checkSize((long) x.length() + y.length());
            r.charge(((long) x.length() + y.length()) >> 4);
            return x.concat(y);
        }
        boolean nums = Py.isNumber(a) && Py.isNumber(b);
        boolean ints = nums && Py.isInt(a) && Py.isInt(b);
        try {
            switch (op) {
                case "+" -> {
                    if (ints) {
                        return Math.addExact(Py.toLong(a), Py.toLong(b));
                    }
                    if (nums) {
                        return Py.toDouble(a) + Py.toDouble(b);
                    }
                    if (a instanceof String x && b instanceof String y) {
                        r.checkSize((long) x.length() + y.length());
                        r.charge(((long) x.length() + y.length()) >> 4);
                        return x.concat(y);
                    }
                    if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof Tuple) == (b instanceof Tuple)
                            && !(a instanceof Py.Range) && !(b instanceof Py.Range)) {
                        r.checkSize((long) x.size() + y.size());
                        r.charge((long) x.size() + y.size());
                        List<Object> out = new ArrayList<>(x);
                        out.addAll(y);
                        return a instanceof Tuple ? new Tuple(out) : out;
                    }
                }
                case "-" -> {
                    if (ints) {
                        return Math.subtractExact(Py.toLong(a), Py.toLong(b));
                    }
                    if (nums) {
                        return Py.toDouble(a) - Py.toDouble(b);
                    }
                }
                case "*" -> {
                    if (ints) {
                        return Math.multiplyExact(Py.toLong(a), Py.toLong(b));
                    }
                    if (nums) {
                        return Py.toDouble(a) * Py.toDouble(b);
                    }
                    if (a instanceof String && Py.isInt(b) || b instanceof String && Py.isInt(a)) {
                        String s = a instanceof String x ? x : (String) b;
                        long n = Math.max(0, Py.toLong(a instanceof String ? b : a));
                        r.checkSize(s.length() * n);
                        r.charge((s.length() * n) >> 4);
                        return s.repeat((int) n);
                    }
                    if ((a instanceof List<?> && Py.isInt(b) || b instanceof List<?> && Py.isInt(a))
                            && !(a instanceof Py.Range) && !(b instanceof Py.Range)) {
                        List<?> l = a instanceof List<?> x ? x : (List<?>) b;
                        long n = Math.max(0, Py.toLong(a instanceof List ? b : a));
                        r.checkSize(l.size() * n);
                        r.charge(l.size() * n);
                        List<Object> out = new ArrayList<>();
                        for (long i = 0; i < n; i++) {
                            out.addAll(l);
                        }
                        return l instanceof Tuple ? new Tuple(out) : out;
                    }
                }
                case "/" -> {
                    if (nums) {
                        double y = Py.toDouble(b);
                        if (y == 0) {
                            throw r.error("ZeroDivisionError: division by zero");
                        }
                        return Py.toDouble(a) / y;
                    }
                }
                case "//" -> {
                    if (ints) {
                        long y = Py.toLong(b);
                        if (y == 0) {
                            throw r.error("ZeroDivisionError: integer division or modulo by zero");
                        }
                        return Math.floorDiv(Py.toLong(a), y);
                    }
                    if (nums) {
                        double y = Py.toDouble(b);
                        if (y == 0) {
                            throw r.error("ZeroDivisionError: float floor division by zero");
                        }
                        return Math.floor(Py.toDouble(a) / y);
                    }
                }
                case "%" -> {
                    if (ints) {
                        long y = Py.toLong(b);
                        if (y == 0) {
                            throw r.error("ZeroDivisionError: integer division or modulo by zero");
                        }
                        return Math.floorMod(Py.toLong(a), y);
                    }
                    if (nums) {
                        double x = Py.toDouble(a);
                        double y = Py.toDouble(b);
                        if (y == 0) {
                            throw r.error("ZeroDivisionError: float modulo");
                        }
                        double m = x % y;
                        return m != 0 && (m < 0) != (y < 0) ? m + y : m;
                    }
                    if (a instanceof String fmt) {
                        return Format.percent(r, fmt, b);
                    }
                }
                case "**" -> {
                    if (ints && Py.toLong(b) >= 0) {
                        long base = Py.toLong(a);
                        long e = Py.toLong(b);
                        long res = 1;
                        for (long i = 0; i < e; i++) {
                            res = Math.multiplyExact(res, base);
                            if (res == 0 || res == 1 && base == 1) {
                                break;
                            }
                            if (i > 64 && (base == -1)) {
                                res = (e % 2 == 0) ? 1 : -1;
                                break;
                            }
                        }
                        return res;
                    }
                    if (nums) {
                        return Math.pow(Py.toDouble(a), Py.toDouble(b));
                    }
                }
                default -> throw r.error("unknown operator " + op);
            }
        } catch (ArithmeticException e) {
            throw r.error("integer overflow in '" + op + "'");
        }
        throw unsupported(r, op, a, b);
    }
}
