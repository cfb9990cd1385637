package io.github.moe4j.cli;

import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.tokenizer.Tokenizer;
import io.github.moe4j.tokenizer.Tokenizers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code moe4j tokenize -m MODEL -p TEXT [--json] [--no-add-special] [--parse-special]}: the token ids of
 * a text with the model's own tokenizer (vocab-only files work). One line per token ({@code id -> 'piece'});
 * with {@code --json} the last line is one JSON array of the ids. A contract other tools call.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Print the token ids of a text, with the model's own tokenizer.")
final class TokenizeCommand implements Callable<Integer> {

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "the .gguf file (a vocab-only file is enough)")
    Path model;

    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "the text to tokenize")
    String prompt;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "read the text from a UTF-8 file instead")
    Path file;

    @Option(names = "--json", description = "print only one JSON array of the ids")
    boolean json;

    @Option(names = "--no-add-special", description = "do not add BOS/EOS (default: as the model's add_bos_token/add_eos_token say)")
    boolean noAddSpecial;

    @Option(names = "--parse-special", description = "match special-token text (e.g. <|im_start|>) as special tokens")
    boolean parseSpecial;

    @Option(names = {"-v", "--verbose"}, description = "print stack traces on errors")
    boolean verbose;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        String text = text(prompt, file);
        Tokenizer tok;
        try (GgufModel gguf = GgufModel.open(model)) {
            tok = Tokenizers.fromMetadata(gguf.metadata());
        }
        int[] ids = tok.encode(text, !noAddSpecial, parseSpecial);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            List<Integer> list = new ArrayList<>(ids.length);
            for (int id : ids) {
                list.add(id);
            }
            out.println(Json.write(list));
        } else {
            for (int id : ids) {
                out.println(String.format("%6d -> '%s'", id, new String(tok.tokenBytes(id), StandardCharsets.UTF_8)));
            }
        }
        out.flush();
        return 0;
    }

    /** The text of {@code -p} or {@code -f}: exactly one of them. */
    static String text(String prompt, Path file) throws IOException {
        if ((prompt == null) == (file == null)) {
            throw new IllegalArgumentException("give the text with exactly one of -p TEXT or -f FILE");
        }
        if (prompt != null) {
            return prompt;
        }
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IOException(file + " is not valid UTF-8", e);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IOException(file + ": no such file", e);
        }
    }
}
