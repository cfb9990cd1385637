package io.github.moe4j.template;

import io.github.moe4j.api.ChatTemplateException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Random token soups built from Jinja fragments: compiling and rendering them either succeeds or
 * throws a ChatTemplateException with a proper message, never another exception or an "internal
 * error" (which would mean an unchecked Java exception escaped the interpreter's own checks).
 */
class JinjaFuzzTest {
    private static final String[] FRAGMENTS = {
        "{{ ", " }}", "{% ", " %}", "{%- ", " -%}", "{# c #}", "if ", "elif ", "else", "endif", "for ", " in ", "endfor",
        "set ", " = ", "macro ", "endmacro", "namespace(", ")", "(", "[", "]", "{", "}", ",", ":", ".", "|", " is ",
        " not ", " and ", " or ", "+", "-", "*", "/", "//", "%", "**", "~", "==", "!=", "<", ">=", "x", "y", "ns",
        "messages", "m", "loop", "loop.index", "0", "1", "-1", "2.5", "'s'", "\"t\"", "none", "true", "false",
        "length", "tojson", "trim", "join", "items", "map", "select", "selectattr", "first", "last", "int", "string",
        "default", "defined", "string", "mapping", "none", "upper", "split", "strip", "startswith", "get", "keys",
        "[::-1]", "[1:]", "range(", "dict(", "raise_exception(", "break", "continue", "\n", "text ", "attribute=",
        "'role'", "content", "append", "__class__", "if x else y", "indent(", "batch(", "sum", "format", "replace(",
    };

    private static final String[] ATOMS = {"x", "y", "m", "m.a", "messages", "messages[0]", "none", "true", "0", "1",
        "-2", "2.5", "'ab c'", "''", "[]", "[1, 'a']", "{}", "{'k': 1}", "(1, 2)", "nope", "loop", "range(3)", "ns",
        "ns.v", "messages[1].content"};
    private static final String[] BINOPS = {" + ", " - ", " * ", " / ", " // ", " % ", " ** ", " ~ ", " == ", " != ",
        " < ", " >= ", " in ", " not in ", " and ", " or "};
    private static final String[] POSTFIX = {"|length", "|tojson", "|trim", "|join(',')", "|items", "|list", "|first",
        "|last", "|int", "|float", "|string", "|upper", "|default(1)", "|map(attribute='a')", "|select", "|sort",
        "|unique", "|reverse", "|dictsort", "|sum", "|min", "|max", "|abs", "|round", "|indent(2)", "|batch(2)",
        "|selectattr('role')", "|tojson(indent=1)", " is defined", " is string", " is mapping", " is iterable",
        " is odd", " is divisibleby(0)", ".split()", ".strip('a')", ".get('k')", ".items()", ".keys()", ".startswith('a')",
        ".replace('a', 'b')", ".format(1)", ".append(1)", "[0]", "[1:]", "[::-1]", "['k']", ".a", "()", "(1)",
        ".__class__", "|wordcount", "|capitalize", "|title", "|center(3)", "|format(1)", "|batch(0)", "[::0]"};

    private static String expr(Random rnd, int depth) {
        String e = ATOMS[rnd.nextInt(ATOMS.length)];
        if (depth > 0 && rnd.nextInt(3) == 0) {
            e = "(" + expr(rnd, depth - 1) + BINOPS[rnd.nextInt(BINOPS.length)] + expr(rnd, depth - 1) + ")";
        }
        if (rnd.nextBoolean()) {
            e = e + POSTFIX[rnd.nextInt(POSTFIX.length)];
        }
        if (depth > 0 && rnd.nextInt(4) == 0) {
            e = "(" + e + " if " + expr(rnd, depth - 1) + " else " + expr(rnd, depth - 1) + ")";
        }
        return e;
    }

    @Test
    void randomExpressionsFailCleanly() {
        Random rnd = new Random(777);
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("messages", List.of(Map.of("role", "user", "content", "hi"),
                Map.of("role", "assistant", "content", List.of(Map.of("type", "text", "text", "yo")))));
        ctx.put("x", 3);
        ctx.put("y", "why");
        ctx.put("m", Map.of("a", List.of(1, 2.5, "z")));
        List<String> internal = new ArrayList<>();
        for (int i = 0; i < 15_000; i++) {
            String src = "{% set ns = namespace(v=[1, 2]) %}{% for q in [1, 2] %}{{ " + expr(rnd, 3) + " }}{% endfor %}";
            try {
                ChatTemplates.compile("fuzz", src).render(ctx);
            } catch (ChatTemplateException e) {
                if (e.getMessage().contains("internal error")) {
                    internal.add(src + "  ->  " + e.getMessage());
                }
            } catch (RuntimeException | Error e) {
                fail("template " + src + " threw " + e);
            }
        }
        if (!internal.isEmpty()) {
            fail(internal.size() + " internal errors, e.g.\n" + String.join("\n", internal.subList(0, Math.min(15, internal.size()))));
        }
    }

    private static void block(Random rnd, StringBuilder sb, int depth) {
        int n = 1 + rnd.nextInt(4);
        for (int i = 0; i < n; i++) {
            String ws = rnd.nextBoolean() ? "-" : "";
            switch (depth <= 0 ? rnd.nextInt(4) : rnd.nextInt(12)) {
                case 0 -> sb.append("{{").append(ws).append(' ').append(expr(rnd, 1)).append(" }}");
                case 1 -> sb.append(rnd.nextBoolean() ? "\n  text " : " t\n");
                case 2 -> sb.append("{% set a = ").append(expr(rnd, 1)).append(" %}");
                case 3 -> sb.append("{%").append(ws).append(" set ns.v = ").append(expr(rnd, 1)).append(" %}\n");
                case 4 -> {
                    sb.append("{% for a in ").append(expr(rnd, 1)).append(rnd.nextBoolean() ? " if a" : "").append(" %}");
                    block(rnd, sb, depth - 1);
                    if (rnd.nextInt(3) == 0) {
                        sb.append(rnd.nextBoolean() ? "{% break %}" : "{% continue %}");
                    }
                    if (rnd.nextInt(4) == 0) {
                        sb.append("{% else %}");
                        block(rnd, sb, depth - 1);
                    }
                    sb.append("{% endfor %}");
                }
                case 5, 6 -> {
                    sb.append("{% if ").append(expr(rnd, 1)).append(" %}");
                    block(rnd, sb, depth - 1);
                    if (rnd.nextBoolean()) {
                        sb.append("{% elif ").append(expr(rnd, 1)).append(" %}");
                        block(rnd, sb, depth - 1);
                    }
                    if (rnd.nextBoolean()) {
                        sb.append("{%- else -%}");
                        block(rnd, sb, depth - 1);
                    }
                    sb.append("{% endif %}");
                }
                case 7 -> {
                    sb.append("{% macro mm(a, b=").append(expr(rnd, 0)).append(") %}");
                    block(rnd, sb, depth - 1);
                    sb.append("{% endmacro %}{{ mm(").append(expr(rnd, 1)).append(") }}");
                }
                case 8 -> {
                    sb.append("{% filter ").append(rnd.nextBoolean() ? "upper" : "trim").append(" %}");
                    block(rnd, sb, depth - 1);
                    sb.append("{% endfilter %}");
                }
                case 9 -> {
                    sb.append("{% set blk %}");
                    block(rnd, sb, depth - 1);
                    sb.append("{% endset %}{{ blk|length }}");
                }
                case 10 -> {
                    sb.append("{% generation %}");
                    block(rnd, sb, depth - 1);
                    sb.append("{% endgeneration %}");
                }
                default -> sb.append("{{ mm(1) if mm is defined else loop.index if loop is defined else 0 }}");
            }
        }
    }

    @Test
    void randomStatementsFailCleanly() {
        Random rnd = new Random(4242);
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("messages", List.of(Map.of("role", "user", "content", "hi"), Map.of("role", "assistant", "content", "yo")));
        ctx.put("x", 3);
        ctx.put("y", "why");
        ctx.put("m", Map.of("a", List.of(1, 2.5, "z")));
        List<String> internal = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            StringBuilder sb = new StringBuilder("{% set ns = namespace(v=[1, 2]) %}");
            block(rnd, sb, 3);
            String src = sb.toString();
            try {
                ChatTemplates.compile("fuzz", src).render(ctx);
            } catch (ChatTemplateException e) {
                if (e.getMessage().contains("internal error")) {
                    internal.add(src + "  ->  " + e.getMessage());
                }
            } catch (RuntimeException | Error e) {
                fail("template " + src + " threw " + e);
            }
        }
        if (!internal.isEmpty()) {
            fail(internal.size() + " internal errors, e.g.\n" + String.join("\n", internal.subList(0, Math.min(15, internal.size()))));
        }
    }

    @Test
    void randomTemplatesFailCleanly() {
        Random rnd = new Random(12345);
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("messages", List.of(Map.of("role", "user", "content", "hi"),
                Map.of("role", "assistant", "content", List.of(Map.of("type", "text", "text", "yo")))));
        ctx.put("x", 3);
        ctx.put("y", "why");
        ctx.put("m", Map.of("a", List.of(1, 2.5, "z")));
        List<String> internal = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + rnd.nextInt(25);
            for (int k = 0; k < n; k++) {
                sb.append(FRAGMENTS[rnd.nextInt(FRAGMENTS.length)]);
            }
            String src = sb.toString();
            try {
                ChatTemplates.compile("fuzz", src).render(ctx);
            } catch (ChatTemplateException e) {
                if (e.getMessage().contains("internal error")) {
                    internal.add(src + "  ->  " + e.getMessage());
                }
            } catch (RuntimeException | Error e) {
                fail("template " + src + " threw " + e);
            }
        }
        if (!internal.isEmpty()) {
            fail(internal.size() + " internal errors, e.g.\n" + String.join("\n", internal.subList(0, Math.min(10, internal.size()))));
        }
    }
}
