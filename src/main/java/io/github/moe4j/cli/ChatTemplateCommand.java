package io.github.moe4j.cli;

import io.github.moe4j.api.ChatTemplateException;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.template.ChatTemplate;
import io.github.moe4j.template.ChatTemplates;
import io.github.moe4j.tokenizer.Tokenizer;
import io.github.moe4j.tokenizer.Tokenizers;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code moe4j chat-template (-m MODEL | --template FILE.jinja) --conversation CONV.json [--bos-token S]
 * [--eos-token S]}: renders a chat template the way HuggingFace transformers does and prints exactly the
 * rendered text. CONV.json is one object: {@code messages}, optional {@code tools}, optional
 * {@code add_generation_prompt} (default false), and any other keys as template variables. With
 * {@code -m}, {@code bos_token}/{@code eos_token} are the model's; keys in CONV.json override them and
 * the options override both. A template error exits 1 with the message. A contract other tools call.
 */
@Command(name = "chat-template", mixinStandardHelpOptions = true,
        description = "Render a model's chat template (or a .jinja file) for a conversation, as transformers does.")
final class ChatTemplateCommand implements Callable<Integer> {

    static final class Source {
        @Option(names = {"-m", "--model"}, paramLabel = "MODEL", description = "use the model's tokenizer.chat_template")
        Path model;

        @Option(names = "--template", paramLabel = "FILE", description = "a Jinja chat template file")
        Path template;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--conversation", required = true, paramLabel = "CONV.json",
            description = "{\"messages\": [...], \"tools\": [...], \"add_generation_prompt\": true, ...}")
    Path conversation;

    @Option(names = "--bos-token", paramLabel = "S", description = "bos_token (default: the model's, or empty)")
    String bosToken;

    @Option(names = "--eos-token", paramLabel = "S", description = "eos_token (default: the model's, or empty)")
    String eosToken;

    @Option(names = {"-v", "--verbose"}, description = "print stack traces on errors")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        Object conv = JsonReader.parse(read(conversation));
        if (!(conv instanceof Map<?, ?> convMap)) {
            throw new IllegalArgumentException(conversation + ": the conversation must be one JSON object");
        }
        if (!(convMap.get("messages") instanceof java.util.List<?>)) {
            throw new IllegalArgumentException(conversation + ": needs a \"messages\" array");
        }
        Map<String, Object> ctx = new LinkedHashMap<>();
        ChatTemplate template;
        if (source.model != null) {
            try (GgufModel g = GgufModel.open(source.model)) {
                String key = "tokenizer.chat_template";
                String text = g.metadata().getString(key, null);
                if (text == null) {
                    throw new ChatTemplateException(source.model.toString(), 0, "the model has no " + key);
                }
                template = ChatTemplates.compile(source.model.getFileName() + ":" + key, text);
                Tokenizer tok = Tokenizers.fromMetadata(g.metadata());
                ctx.put("bos_token", tok.bosId() >= 0 ? tok.tokenText(tok.bosId()) : "");
                ctx.put("eos_token", tok.eosId() >= 0 ? tok.tokenText(tok.eosId()) : "");
            }
        } else {
            template = ChatTemplates.compile(source.template.getFileName().toString(), read(source.template));
            ctx.put("bos_token", "");
            ctx.put("eos_token", "");
        }
        ctx.put("add_generation_prompt", Boolean.FALSE);
        for (Map.Entry<?, ?> e : convMap.entrySet()) {
            ctx.put((String) e.getKey(), e.getValue());
        }
        if (bosToken != null) {
            ctx.put("bos_token", bosToken);
        }
        if (eosToken != null) {
            ctx.put("eos_token", eosToken);
        }
        String out = template.render(ctx);
        PrintWriter w = spec.commandLine().getOut();
        w.print(out);
        w.flush();
        return 0;
    }

    private static String read(Path p) throws IOException {
        try {
            byte[] b = Files.readAllBytes(p);
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(b)).toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IOException(p + " is not valid UTF-8", e);
        } catch (NoSuchFileException e) {
            throw new IOException(p + ": no such file", e);
        }
    }
}
