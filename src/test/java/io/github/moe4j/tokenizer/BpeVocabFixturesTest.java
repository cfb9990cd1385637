package io.github.moe4j.tokenizer;

import io.github.moe4j.support.Fixtures;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * llama.cpp's tokenizer test set (vocab/ggml-vocab-NAME.gguf.inp/.out): every case of every byte-level
 * BPE vocabulary gives exactly the expected ids (add_special = false, parse_special = false).
 */
class BpeVocabFixturesTest {
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    static String[] vocabs() {
        return TokenizerFixtures.ALL_VOCABS;
    }

    static List<String> inputs(String name) throws IOException {
        String inp = Files.readString(Fixtures.require("vocab/ggml-vocab-" + name + ".gguf.inp"), StandardCharsets.UTF_8);
        List<String> cases = new ArrayList<>(Arrays.asList(inp.split(SEPARATOR, -1)));
        cases.removeLast(); // the empty remainder after the last separator
        return cases;
    }

    static List<int[]> outputs(String name) throws IOException {
        List<int[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(Fixtures.require("vocab/ggml-vocab-" + name + ".gguf.out"))) {
            String t = line.trim();
            out.add(t.isEmpty() ? new int[0] : Arrays.stream(t.split(" +")).mapToInt(Integer::parseInt).toArray());
        }
        return out;
    }

    @ParameterizedTest
    @MethodSource("vocabs")
    void everyCaseMatchesLlamaCpp(String name) throws IOException {
        List<String> in = inputs(name);
        List<int[]> expected = outputs(name);
        assertEquals(in.size(), expected.size(), name + ": .inp and .out case counts");
        Path gguf = Fixtures.root().resolve("vocab/ggml-vocab-" + name + ".gguf");
        Assumptions.assumeTrue(Files.exists(gguf), () -> gguf + " is not in the fixture snapshot (only its .inp/.out are); skipping "
                + in.size() + " cases");
        Tokenizer tok = TokenizerFixtures.load(gguf);
        List<String> failures = new ArrayList<>();
        for (int i = 0; i < in.size(); i++) {
            int[] got = tok.encode(in.get(i), false, false);
            if (!Arrays.equals(expected.get(i), got)) {
                failures.add("case " + i + " " + escape(in.get(i)) + "\n  expected " + Arrays.toString(expected.get(i))
                        + "\n  got      " + Arrays.toString(got));
            }
        }
        System.out.println(name + ": " + (in.size() - failures.size()) + "/" + in.size() + " cases match");
        if (!failures.isEmpty()) {
            fail(name + ": " + failures.size() + " of " + in.size() + " cases differ:\n" + String.join("\n", failures));
        }
    }

    /** {@code s} quoted, with control and space characters other than ' ' as escapes. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        s.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                case '\r' -> sb.append("\\r");
                case '\\' -> sb.append("\\\\");
                default -> {
                    if (c != ' ' && (Character.isISOControl(c) || Character.isWhitespace(c) || Character.isSpaceChar(c))) {
                        sb.append(String.format("\\u%04X", c));
                    } else {
                        sb.appendCodePoint(c);
                    }
                }
            }
        });
        return sb.append('"').toString();
    }
}
