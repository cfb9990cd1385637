package io.github.moe4j.template;

import io.github.moe4j.api.ChatTemplateException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sandbox: hostile templates end in a ChatTemplateException, never a crash, a hang or Java access. */
class JinjaSandboxTest {

    private static String render(String source, Map<String, ?> context) {
        return ChatTemplates.compile("t", source).render(context);
    }

    private static ChatTemplateException fails(String source) {
        return assertThrows(ChatTemplateException.class, () -> render(source, Map.of()));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void endlessLoopsHitTheStepLimit() {
        ChatTemplateException e = fails("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}");
        assertTrue(e.getMessage().contains("evaluation steps"), e.getMessage());
        assertEquals(1, e.line());
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void workOnLargeValuesCountsAgainstTheStepLimit() {
        for (String src : List.of(
                "{% for i in range(100000) %}{% set x = range(100000)|list %}{% endfor %}",
                "{% set big = range(100000)|list %}{% for i in big %}{% if i in big %}{% endif %}{% endfor %}",
                "{% set s = 'x' * 1000000 %}{% for i in range(100000) %}{% set n = s|length %}{% endfor %}",
                "{% set s = 'x' * 1000000 %}{% for i in range(100000) %}{% set n = s.strip() %}{% endfor %}",
                "{% set l = range(100000)|list %}{% for i in range(100000) %}{% set n = l|tojson %}{% endfor %}")) {
            ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> render(src, Map.of()), src);
            assertTrue(e.getMessage().contains("evaluation steps"), e.getMessage());
        }
    }

    @Test
    void selfReferencingNamespacesDoNotHang() {
        fails("{% set ns = namespace() %}{% set ns.a = [ns, ns] %}{{ ns }}");
        fails("{% set ns = namespace() %}{% set ns.a = [ns, ns] %}{{ ns.a|tojson }}");
    }

    @Test
    void hugeRangesAreRefused() {
        assertTrue(fails("{{ range(1000000)|length }}").getMessage().contains("Range too big"));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void outputIsBounded() {
        for (String src : List.of("{% for i in range(100000) %}{{ 'x' * 1000 }}{% endfor %}", "{{ 'x' * 100000000 }}",
                "{% set ns = namespace(s='xxxxxxxxxx') %}{% for i in range(30) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
                "{{ [1] * 100000000 }}", "{{ 'ab'|replace('a', 'x' * 10000000) * 2 }}")) {
            ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> render(src, Map.of()), src);
            assertTrue(e.getMessage().contains("limit"), e.getMessage());
        }
    }

    @Test
    void recursionIsBounded() {
        ChatTemplateException e = fails("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
        assertTrue(e.getMessage().contains("nested deeper"), e.getMessage());
        assertEquals(1, e.line());
    }

    @Test
    void deepNestingIsASyntaxErrorNotAStackOverflow() {
        for (String open : List.of("(", "[", "-", "not ", "{'a': ")) {
            String close = switch (open) {
                case "(" -> ")";
                case "[" -> "]";
                case "{'a': " -> "}";
                default -> "";
            };
            String src = "{{ " + open.repeat(100_000) + "1" + close.repeat(100_000) + " }}";
            ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> ChatTemplates.compile("t", src));
            assertTrue(e.getMessage().contains("nested too deeply"), e.getMessage());
        }
        String blocks = "{% if true %}".repeat(50_000) + "x" + "{% endif %}".repeat(50_000);
        assertThrows(ChatTemplateException.class, () -> ChatTemplates.compile("t", blocks));
        String filters = "{{ 'x'" + "|trim".repeat(50_000) + " }}";
        assertThrows(ChatTemplateException.class, () -> ChatTemplates.compile("t", filters));
        assertEquals("x", render("{{ 'x'" + "|trim".repeat(150) + " }}", Map.of()));
        String chain = "{{ " + "1 + ".repeat(50_000) + "1 }}";
        assertThrows(ChatTemplateException.class, () -> ChatTemplates.compile("t", chain));
        assertEquals("151", render("{{ " + "1 + ".repeat(150) + "1 }}", Map.of()));
        String attrs = "{{ x" + ".a".repeat(50_000) + " }}";
        assertThrows(ChatTemplateException.class, () -> ChatTemplates.compile("t", attrs));
        String conds = "{{ " + "0 if false else ".repeat(50_000) + "1 }}";
        assertThrows(ChatTemplateException.class, () -> ChatTemplates.compile("t", conds));
    }

    @Test
    void deeplyNestedContextIsRefused() {
        Object v = "leaf";
        for (int i = 0; i < 10_000; i++) {
            v = List.of(v);
        }
        Object deep = v;
        assertThrows(ChatTemplateException.class, () -> render("{{ x }}", Map.of("x", deep)));
    }

    @Test
    void noJavaAccess() {
        assertEquals("[]", render("[{{ ''.__class__ }}]", Map.of()));
        fails("{{ ''.getClass() }}");
        fails("{{ ''.getClass().forName('java.lang.Runtime') }}");
        fails("{{ x.__class__.__mro__ }}");
        fails("{{ messages.getClass() }}");
        assertEquals("", render("{{ range.__globals__ }}", Map.of()));
        fails("{{ ''.__class__() }}");
        fails("{{ namespace.__init__.__globals__ }}");
        assertEquals("", render("{{ messages.size }}", Map.of("messages", List.of())));
        fails("{{ messages.size() }}");
        fails("{{ m.hashCode() }}");
        fails("{{ 'x'.toString() }}");
    }

    @Test
    void onlyPlainValuesReachATemplate() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> render("{{ x }}", Map.of("x", new Thread())));
        assertTrue(e.getMessage().contains("unsupported value"), e.getMessage());
        assertEquals("1 2.5 True None", render("{{ a }} {{ b }} {{ c }} {{ d }}",
                mapOf("a", 1, "b", 2.5f, "c", true, "d", null)));
    }

    @Test
    void mutatingMethodsAreForbidden() {
        List<Object> list = new ArrayList<>(List.of(1));
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> render("{% set _ = l.append(2) %}", Map.of("l", list)));
        assertTrue(e.getMessage().contains("unsafe"), e.getMessage());
        assertEquals(List.of(1), list, "the caller's list is untouched");
    }

    @Test
    void errorsNameTemplateAndLine() {
        ChatTemplateException e = assertThrows(ChatTemplateException.class,
                () -> ChatTemplates.compile("my.jinja", "line1\n{% if x %}\n{{ raise_exception('bad input') }}\n{% endif %}")
                        .render(Map.of("x", true)));
        assertEquals("my.jinja", e.templateName());
        assertEquals(3, e.line());
        assertEquals("my.jinja:3: bad input", e.getMessage());
        ChatTemplateException syntax = assertThrows(ChatTemplateException.class,
                () -> ChatTemplates.compile("s.jinja", "a\nb\n{{ 1 + }}"));
        assertEquals(3, syntax.line());
        ChatTemplateException unclosed = assertThrows(ChatTemplateException.class,
                () -> ChatTemplates.compile("u.jinja", "{% for x in y %}\n"));
        assertTrue(unclosed.getMessage().contains("endfor"), unclosed.getMessage());
        ChatTemplateException unknown = assertThrows(ChatTemplateException.class,
                () -> ChatTemplates.compile("i.jinja", "\n{% include 'other' %}"));
        assertEquals(2, unknown.line());
    }

    @Test
    void strftimeNowReadsTheInjectedClock() {
        Clock clock = Clock.fixed(Instant.parse("2025-02-03T14:05:06Z"), ZoneOffset.UTC);
        assertEquals("03 Feb 2025 14:05 Monday",
                ChatTemplates.compile("t", "{{ strftime_now('%d %b %Y %H:%M %A') }}", clock).render(Map.of()));
    }

    @Test
    void compiledTemplatesAreReusableAndThreadSafe() throws Exception {
        ChatTemplate t = ChatTemplates.compile("t", "{% set ns = namespace(n=0) %}{% for m in messages %}"
                + "{% set ns.n = ns.n + 1 %}{% endfor %}{{ ns.n }}");
        List<Thread> threads = new ArrayList<>();
        List<String> results = java.util.Collections.synchronizedList(new ArrayList<>());
        for (int i = 0; i < 4; i++) {
            int n = i;
            threads.add(Thread.ofPlatform().start(() -> results.add(t.render(Map.of("messages", List.of(1, 2, 3).subList(0, n))))));
        }
        for (Thread th : threads) {
            th.join();
        }
        assertEquals(List.of("0", "1", "2", "3"), results.stream().sorted().toList());
    }

    private static Map<String, Object> mapOf(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
