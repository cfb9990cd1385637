package io.github.moe4j.tokenizer;

import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.support.Fixtures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads the shared vocab fixtures: the GGUF vocabulary and llama.cpp's {@code .inp} / {@code .out} cases. */
final class SpmWpmFixtures {
    static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    private SpmWpmFixtures() {
    }

    /** One test string and the ids llama.cpp gives it (add_special = false, parse_special = false). */
    record Case(int index, String text, int[] ids) {
        @Override
        public String toString() {
            return "case " + index + " " + SpmWpmTestSupport.quote(text);
        }
    }

    /** The validated vocabulary of a GGUF file ({@code vocab/...} or {@code models/...}). */
    static Vocab vocab(String relative) {
        Path p = Fixtures.require(relative);
        try (GgufModel m = GgufModel.open(p)) {
            return Vocab.read(m.metadata());
        }
    }

    /** The cases of {@code vocab/<name>.gguf.inp} / {@code .out}. */
    static List<Case> cases(String name) {
        Path inp = Fixtures.require("vocab/" + name + ".gguf.inp");
        Path out = Fixtures.require("vocab/" + name + ".gguf.out");
        try {
            String in = Files.readString(inp, StandardCharsets.UTF_8);
            List<String> texts = new ArrayList<>(Arrays.asList(in.split(SEPARATOR, -1)));
            if (!texts.isEmpty() && texts.getLast().isEmpty()) {
                texts.removeLast();
            }
            List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
            if (lines.size() != texts.size()) {
                throw new IllegalStateException(out + ": " + lines.size() + " lines for " + texts.size() + " inputs");
            }
            List<Case> cases = new ArrayList<>();
            for (int i = 0; i < texts.size(); i++) {
                String line = lines.get(i).trim();
                int[] ids = line.isEmpty() ? new int[0]
                        : Arrays.stream(line.split(" +")).mapToInt(Integer::parseInt).toArray();
                cases.add(new Case(i, texts.get(i), ids));
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
