package io.github.moe4j.template;

import io.github.moe4j.api.ChatTemplateException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The built-in fallback formats render the well-known layouts of their families. */
class BuiltinTemplatesTest {

    private static Map<String, Object> conversation(boolean withTokens) {
        Map<String, Object> ctx = new LinkedHashMap<>();
        ctx.put("messages", List.of(
                Map.of("role", "system", "content", "Be brief."),
                Map.of("role", "user", "content", "Hi"),
                Map.of("role", "assistant", "content", "Hello."),
                Map.of("role", "user", "content", List.of(Map.of("type", "text", "text", "Bye")))));
        ctx.put("add_generation_prompt", true);
        if (withTokens) {
            ctx.put("bos_token", "<s>");
            ctx.put("eos_token", "</s>");
        }
        return ctx;
    }

    private static String render(String name) {
        return ChatTemplates.builtin(name).render(conversation(true));
    }

    @Test
    void names() {
        assertEquals(List.of("chatml", "deepseek-v2", "deepseek-v3", "deepseek2", "deepseek3", "gpt-oss", "granite",
                "mistral", "mixtral", "olmo", "olmoe", "qwen"), ChatTemplates.builtinNames());
        for (String n : ChatTemplates.builtinNames()) {
            assertTrue(ChatTemplates.builtin(n).name().contains(n));
        }
        ChatTemplateException e = assertThrows(ChatTemplateException.class, () -> ChatTemplates.builtin("nope"));
        assertTrue(e.getMessage().contains("chatml"), e.getMessage());
    }

    @Test
    void chatml() {
        String expected = "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                + "<|im_start|>assistant\nHello.<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n<|im_start|>assistant\n";
        assertEquals(expected, render("chatml"));
        assertEquals(expected, render("qwen"));
        assertEquals(expected, render("ChatML"));
    }

    @Test
    void mistral() {
        assertEquals("<s>[INST] Be brief.\n\nHi [/INST] Hello.</s>[INST] Bye [/INST]", render("mistral"));
        assertEquals(render("mistral"), render("mixtral"));
    }

    @Test
    void deepseek() {
        assertEquals("<s>Be brief.\n\nUser: Hi\n\nAssistant: Hello.</s>User: Bye\n\nAssistant:", render("deepseek2"));
        assertEquals("<s>Be brief.<｜User｜>Hi<｜Assistant｜>Hello.</s><｜User｜>Bye<｜Assistant｜>", render("deepseek-v3"));
        assertEquals("<｜begin▁of▁sentence｜>Be brief.<｜User｜>Hi<｜Assistant｜>Hello.<｜end▁of▁sentence｜><｜User｜>Bye<｜Assistant｜>",
                ChatTemplates.builtin("deepseek3").render(conversation(false)));
    }

    @Test
    void granite() {
        assertEquals("<|start_of_role|>system<|end_of_role|>Be brief.<|end_of_text|>\n"
                + "<|start_of_role|>user<|end_of_role|>Hi<|end_of_text|>\n"
                + "<|start_of_role|>assistant<|end_of_role|>Hello.<|end_of_text|>\n"
                + "<|start_of_role|>user<|end_of_role|>Bye<|end_of_text|>\n"
                + "<|start_of_role|>assistant<|end_of_role|>", render("granite"));
    }

    @Test
    void olmo() {
        assertEquals("<s><|system|>\nBe brief.\n<|user|>\nHi\n<|assistant|>\nHello.</s>\n<|user|>\nBye\n<|assistant|>\n",
                render("olmoe"));
    }

    @Test
    void harmony() {
        String out = render("gpt-oss");
        assertTrue(out.startsWith("<|start|>system<|message|>Reasoning: medium"), out);
        assertTrue(out.endsWith("<|start|>developer<|message|># Instructions\n\nBe brief.<|end|>"
                + "<|start|>user<|message|>Hi<|end|><|start|>assistant<|channel|>final<|message|>Hello.<|end|>"
                + "<|start|>user<|message|>Bye<|end|><|start|>assistant"), out);
    }
}
