package io.github.moe4j.template;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Jinja sources of the built-in fallback formats, for GGUF files without a chat template: ChatML and
 * the formats of the supported MoE families, in our own wording. Each accepts {@code messages} (content
 * as a string or a list of text parts), {@code add_generation_prompt}, {@code bos_token} and
 * {@code eos_token}.
 */
final class BuiltinTemplates {
    private BuiltinTemplates() {
    }

    /** Joins a message's text: a string as is, a list of parts by their 'text' fields. */
    private static final String TEXT_MACRO = """
            {%- macro text(content) -%}
            {%- if content is string -%}{{ content }}
            {%- elif content is iterable and content is not mapping -%}
            {%- for part in content -%}{%- if part is mapping and part.text is defined -%}{{ part.text }}{%- endif -%}{%- endfor -%}
            {%- elif content is not none -%}{{ content }}
            {%- endif -%}
            {%- endmacro -%}
            """;

    private static final String CHATML = TEXT_MACRO + """
            {%- for message in messages -%}
            {{ '<|im_start|>' + message.role + '\\n' + text(message.content) + '<|im_end|>\\n' }}
            {%- endfor -%}
            {%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}
            """;

    /** Mistral/Mixtral [INST]: a system message is put before the first user message. */
    private static final String MISTRAL = TEXT_MACRO + """
            {%- set bos = bos_token if bos_token is defined else '<s>' -%}
            {%- set eos = eos_token if eos_token is defined else '</s>' -%}
            {%- set ns = namespace(system='') -%}
            {%- for message in messages if message.role == 'system' -%}
            {%- set ns.system = ns.system + text(message.content) + '\\n\\n' -%}
            {%- endfor -%}
            {{- bos -}}
            {%- set ns.first = true -%}
            {%- for message in messages if message.role != 'system' -%}
            {%- if message.role == 'user' -%}
            {{- '[INST] ' + (ns.system if ns.first else '') + text(message.content) + ' [/INST]' -}}
            {%- set ns.first = false -%}
            {%- elif message.role == 'assistant' -%}
            {{- ' ' + text(message.content) + eos -}}
            {%- else -%}
            {{- raise_exception('the mistral format has no role ' + message.role) -}}
            {%- endif -%}
            {%- endfor -%}
            """;

    /** DeepSeek-V2 chat: "User: ...\\n\\nAssistant: ...". */
    private static final String DEEPSEEK2 = TEXT_MACRO + """
            {%- set bos = bos_token if bos_token is defined else '<｜begin▁of▁sentence｜>' -%}
            {%- set eos = eos_token if eos_token is defined else '<｜end▁of▁sentence｜>' -%}
            {{- bos -}}
            {%- for message in messages -%}
            {%- if message.role == 'system' -%}{{- text(message.content) + '\\n\\n' -}}
            {%- elif message.role == 'user' -%}{{- 'User: ' + text(message.content) + '\\n\\n' -}}
            {%- elif message.role == 'assistant' -%}{{- 'Assistant: ' + text(message.content) + eos -}}
            {%- endif -%}
            {%- endfor -%}
            {%- if add_generation_prompt -%}{{- 'Assistant:' -}}{%- endif -%}
            """;

    /** DeepSeek-V3/R1: <｜User｜> and <｜Assistant｜> markers, system text first. */
    private static final String DEEPSEEK3 = TEXT_MACRO + """
            {%- set bos = bos_token if bos_token is defined else '<｜begin▁of▁sentence｜>' -%}
            {%- set eos = eos_token if eos_token is defined else '<｜end▁of▁sentence｜>' -%}
            {{- bos -}}
            {%- for message in messages if message.role == 'system' -%}{{- text(message.content) -}}{%- endfor -%}
            {%- for message in messages -%}
            {%- if message.role == 'user' -%}{{- '<｜User｜>' + text(message.content) -}}
            {%- elif message.role == 'assistant' -%}{{- '<｜Assistant｜>' + text(message.content) + eos -}}
            {%- elif message.role == 'tool' -%}{{- '<｜tool▁output▁begin｜>' + text(message.content) + '<｜tool▁output▁end｜>' -}}
            {%- endif -%}
            {%- endfor -%}
            {%- if add_generation_prompt -%}{{- '<｜Assistant｜>' -}}{%- endif -%}
            """;

    /** IBM Granite: <|start_of_role|>role<|end_of_role|>text<|end_of_text|>. */
    private static final String GRANITE = TEXT_MACRO + """
            {%- for message in messages -%}
            {{- '<|start_of_role|>' + message.role + '<|end_of_role|>' + text(message.content) + '<|end_of_text|>\\n' -}}
            {%- endfor -%}
            {%- if add_generation_prompt -%}{{- '<|start_of_role|>assistant<|end_of_role|>' -}}{%- endif -%}
            """;

    /** OLMo/OLMoE (Tulu style): <|user|>, <|assistant|>, <|system|> lines. */
    private static final String OLMO = TEXT_MACRO + """
            {%- set eos = eos_token if eos_token is defined else '<|endoftext|>' -%}
            {{- bos_token if bos_token is defined else '' -}}
            {%- for message in messages -%}
            {%- if message.role == 'assistant' -%}
            {{- '<|assistant|>\\n' + text(message.content) + eos + ('' if loop.last else '\\n') -}}
            {%- else -%}
            {{- '<|' + message.role + '|>\\n' + text(message.content) + '\\n' -}}
            {%- endif -%}
            {%- endfor -%}
            {%- if add_generation_prompt -%}{{- '<|assistant|>\\n' -}}{%- endif -%}
            """;

    /** gpt-oss (harmony): system header, the system message as developer instructions, final-channel answers. */
    private static final String HARMONY = TEXT_MACRO + """
            {{- '<|start|>system<|message|>Reasoning: ' + (reasoning_effort if reasoning_effort is defined else 'medium')
                + '\\n\\n# Valid channels: analysis, commentary, final. Channel must be included for every message.<|end|>' -}}
            {%- for message in messages -%}
            {%- if message.role == 'system' or message.role == 'developer' -%}
            {{- '<|start|>developer<|message|># Instructions\\n\\n' + text(message.content) + '<|end|>' -}}
            {%- elif message.role == 'user' -%}
            {{- '<|start|>user<|message|>' + text(message.content) + '<|end|>' -}}
            {%- elif message.role == 'assistant' -%}
            {{- '<|start|>assistant<|channel|>final<|message|>' + text(message.content) + '<|end|>' -}}
            {%- endif -%}
            {%- endfor -%}
            {%- if add_generation_prompt -%}{{- '<|start|>assistant' -}}{%- endif -%}
            """;

    private static final Map<String, String> SOURCES = new LinkedHashMap<>();

    static {
        SOURCES.put("chatml", CHATML);
        SOURCES.put("qwen", CHATML);
        SOURCES.put("mistral", MISTRAL);
        SOURCES.put("mixtral", MISTRAL);
        SOURCES.put("deepseek2", DEEPSEEK2);
        SOURCES.put("deepseek-v2", DEEPSEEK2);
        SOURCES.put("deepseek3", DEEPSEEK3);
        SOURCES.put("deepseek-v3", DEEPSEEK3);
        SOURCES.put("granite", GRANITE);
        SOURCES.put("olmo", OLMO);
        SOURCES.put("olmoe", OLMO);
        SOURCES.put("gpt-oss", HARMONY);
    }

    static String source(String name) {
        return name == null ? null : SOURCES.get(name.toLowerCase(Locale.ROOT));
    }

    static List<String> names() {
        return SOURCES.keySet().stream().sorted().toList();
    }
}
