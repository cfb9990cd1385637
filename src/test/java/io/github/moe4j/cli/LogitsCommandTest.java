package io.github.moe4j.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.gguf.GgufWriter;
import io.github.moe4j.gguf.TensorInfo;
import io.github.moe4j.support.Fixtures;
import io.github.moe4j.tensor.GgmlType;
import io.github.moe4j.support.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code logits} command: its file and JSON contract, its errors, and llama.cpp's logits on the fixtures. */
class LogitsCommandTest {
    @TempDir
    Path dir;

    // ---------------------------------------------------------------- with the shared fixtures

    @ParameterizedTest
    @CsvSource({"qwen3moe, 0.05", "olmoe, 0.05", "granitemoe, 0.1"})
    void teacherForcedRowsMatchLlamaCpp(String tag, double tol) throws IOException {
        Path ref = Fixtures.require("models/" + tag + "/ref/F16.p1");
        JsonObject m = JsonParser.parseString(Files.readString(ref.resolve("manifest.json"))).getAsJsonObject();
        Path model = Fixtures.require("models/" + tag + "/" + m.get("model_file").getAsString());
        int[] prompt = ints(m.getAsJsonArray("prompt_token_ids"));
        int[] gen = ints(m.getAsJsonArray("generated_token_ids"));
        int v = m.get("n_vocab").getAsInt();
        float[] expected = concat(floats(ref.resolve("logits_prompt.f32")), floats(ref.resolve("logits_gen.f32")));

        int[] all = concat(prompt, gen);
        Path out = dir.resolve(tag + ".f32");
        CliRunner r = CliRunner.run("logits", "-m", model.toString(), "--tokens", csv(all), "-o", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonObject j = JsonParser.parseString(r.out()).getAsJsonObject();
        assertArrayEquals(all, ints(j.getAsJsonArray("prompt_tokens")));
        assertEquals(0, j.getAsJsonArray("generated_tokens").size());
        assertEquals(v, j.get("n_vocab").getAsInt());
        float[] got = floats(out);
        assertEquals(expected.length, got.length, "rows x n_vocab");
        for (int row = 0; row < all.length; row++) {
            double max = 0;
            for (int i = 0; i < v; i++) {
                max = Math.max(max, Math.abs(got[row * v + i] - expected[row * v + i]));
            }
            assertTrue(max <= tol, tag + " row " + row + ": max |d| " + max + " > " + tol);
        }

        Path out2 = dir.resolve(tag + "-greedy.f32");
        CliRunner g = CliRunner.run("logits", "-m", model.toString(), "--tokens", csv(prompt), "--greedy",
                Integer.toString(gen.length), "-o", out2.toString());
        assertEquals(0, g.exitCode(), g.err());
        JsonObject gj = JsonParser.parseString(g.out()).getAsJsonObject();
        assertArrayEquals(gen, ints(gj.getAsJsonArray("generated_tokens")), tag + " greedy continuation");
        assertArrayEquals(prompt, ints(gj.getAsJsonArray("prompt_tokens")));
        // free-running greedy feeds the same tokens, so its rows are the teacher-forced rows again
        float[] got2 = floats(out2);
        assertEquals(expected.length, got2.length);
        for (int i = 0; i < got2.length; i++) {
            assertTrue(Math.abs(got2[i] - expected[i]) <= tol, tag + " greedy value " + i);
        }
    }

    // ---------------------------------------------------------------- without fixtures

    /**
     * TinyModels' qwen3moe layout (and metadata) with finite, modest weights instead of random bytes
     * (random Q8_0 scales can be inf/NaN): norms near 1, Q8_0 blocks with a small scale.
     */
    private Path tiny() throws IOException {
        Path p = dir.resolve("tiny.gguf");
        if (Files.exists(p)) {
            return p;
        }
        Path layout = dir.resolve("layout.gguf");
        TinyModels.qwen3moe(7).write(layout);
        GgufWriter w = new GgufWriter();
        Random rnd = new Random(7);
        try (GgufModel g = GgufModel.open(layout)) {
            w.putAll(g.metadata());
            for (GgufModel.Entry e : g.index().values()) {
                TensorInfo t = e.info();
                long n = 1;
                for (long d : t.ne()) {
                    n *= d;
                }
                if (t.type() == GgmlType.F32) {
                    float[] x = new float[(int) n];
                    boolean norm = t.name().contains("norm");
                    for (int i = 0; i < x.length; i++) {
                        x[i] = norm ? 0.9f + 0.2f * rnd.nextFloat() : (float) (0.3 * rnd.nextGaussian());
                    }
                    w.addTensor(t.name(), t.ne(), x);
                } else if (t.type() == GgmlType.Q8_0) {
                    ByteBuffer b = ByteBuffer.allocate((int) t.type().byteSize(n)).order(ByteOrder.LITTLE_ENDIAN);
                    for (long blk = 0; blk < n / 32; blk++) {
                        b.putShort(Float.floatToFloat16(0.002f + 0.001f * rnd.nextFloat()));
                        for (int i = 0; i < 32; i++) {
                            b.put((byte) (rnd.nextInt(255) - 127));
                        }
                    }
                    w.addTensor(t.name(), t.type(), t.ne(), b.array());
                } else {
                    throw new IllegalStateException("unexpected type " + t.type() + " of " + t.name());
                }
            }
            // written while the source is open: its metadata arrays are views of the mapped file
            w.putUInt32("qwen3moe.attention.key_length", 32).putUInt32("qwen3moe.attention.value_length", 32);
            w.write(p);
        }
        return p;
    }

    @Test
    void fileSizeAndJson() throws IOException {
        Path out = dir.resolve("o.f32");
        CliRunner r = CliRunner.run("logits", "-m", tiny().toString(), "--tokens", "1, 2,3", "--greedy", "5",
                "-o", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals("", r.err());
        int v = TinyModels.N_VOCAB;
        assertEquals((3 + 5) * v * 4L, Files.size(out));
        JsonObject j = JsonParser.parseString(r.out()).getAsJsonObject();
        assertArrayEquals(new int[]{1, 2, 3}, ints(j.getAsJsonArray("prompt_tokens")));
        int[] gen = ints(j.getAsJsonArray("generated_tokens"));
        assertEquals(5, gen.length);
        assertEquals(v, j.get("n_vocab").getAsInt());
        float[] f = floats(out);
        assertTrue(IntStream.range(0, f.length).allMatch(i -> Float.isFinite(f[i])));
        // each generated token is the argmax (lowest id on ties) of the row before it
        for (int k = 0; k < gen.length; k++) {
            assertEquals(argmax(f, (2 + k) * v, v), gen[k], "generated token " + k);
        }
        // teacher-forcing the prompt + generated tokens gives the same rows (prefill vs decode: close)
        Path tf = dir.resolve("tf.f32");
        int[] all = concat(new int[]{1, 2, 3}, gen);
        CliRunner t = CliRunner.run("logits", "-m", tiny().toString(), "--tokens", csv(all), "-o", tf.toString());
        assertEquals(0, t.exitCode(), t.err());
        float[] g = floats(tf);
        assertEquals(all.length * v, g.length);
        for (int i = 0; i < f.length; i++) {
            assertEquals(f[i], g[i], 1e-3, "value " + i);
        }
        // without --greedy: prompt rows only, and the same prompt rows
        Path p = dir.resolve("p.f32");
        CliRunner n = CliRunner.run("logits", "-m", tiny().toString(), "--tokens", "1,2,3", "-o", p.toString());
        assertEquals(0, n.exitCode(), n.err());
        assertEquals(3 * v * 4L, Files.size(p));
        assertEquals(0, JsonParser.parseString(n.out()).getAsJsonObject().getAsJsonArray("generated_tokens").size());
        assertArrayEquals(Arrays.copyOf(f, 3 * v), floats(p));
    }

    @Test
    void f32ActivationsDifferFromTheDefault() throws IOException {
        Path a = dir.resolve("a.f32");
        Path b = dir.resolve("b.f32");
        assertEquals(0, CliRunner.run("logits", "-m", tiny().toString(), "--tokens", "4,5", "-o", a.toString()).exitCode());
        CliRunner r = CliRunner.run("logits", "-m", tiny().toString(), "--tokens", "4,5", "--f32-activations",
                "-o", b.toString());
        assertEquals(0, r.exitCode(), r.err());
        float[] x = floats(a);
        float[] y = floats(b);
        assertEquals(x.length, y.length);
        assertFalse(Arrays.equals(x, y), "Q8_0 weights: rounding the activations changes the logits");
        for (int i = 0; i < x.length; i++) {
            assertEquals(x[i], y[i], 0.5, "value " + i);
        }
    }

    @Test
    void threadCountsAndTheScalarReferenceAgree() throws IOException {
        Path one = dir.resolve("t1.f32");
        Path two = dir.resolve("t2.f32");
        Path ref = dir.resolve("scalar.f32");
        for (String[] args : new String[][]{{"--threads", "1", "-o", one.toString()},
                {"--threads", "2", "-o", two.toString()}, {"--scalar", "-o", ref.toString()}}) {
            List<String> cmd = new ArrayList<>(List.of("logits", "-m", tiny().toString(), "--tokens", "4,5,6",
                    "--greedy", "3"));
            cmd.addAll(List.of(args));
            CliRunner r = CliRunner.run(cmd.toArray(String[]::new));
            assertEquals(0, r.exitCode(), r.err());
        }
        float[] a = floats(one);
        float[] b = floats(two);
        float[] c = floats(ref);
        assertEquals(a.length, b.length);
        assertEquals(a.length, c.length);
        // the prompt rows (summation order differs between the kernels, and with the JIT's state: no
        // bit-exactness, and greedy steps may pick another token on a near tie)
        int promptValues = 3 * TinyModels.N_VOCAB;
        for (int i = 0; i < promptValues; i++) {
            assertEquals(a[i], b[i], 0.05, "1 vs 2 threads, value " + i);
            assertEquals(c[i], a[i], 0.05, "scalar rounding vs kernels, value " + i);
        }
        CliRunner bad = CliRunner.run("logits", "-m", tiny().toString(), "--tokens", "4", "--threads", "0",
                "-o", dir.resolve("bad.f32").toString());
        assertEquals(1, bad.exitCode());
        assertTrue(bad.err().contains("--threads"), bad.err());
    }

    @Test
    void longPromptRunsInSeveralMicroBatches() throws IOException {
        Path out = dir.resolve("long.f32");
        int[] ids = IntStream.range(0, 100).map(i -> (i * 7) % TinyModels.N_VOCAB).toArray();
        CliRunner r = CliRunner.run("logits", "-m", tiny().toString(), "--tokens", csv(ids), "--greedy", "28",
                "-o", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertEquals(128L * TinyModels.N_VOCAB * 4, Files.size(out));
    }

    @Test
    void badInputGivesOneLineAndExit1() throws IOException {
        String m = tiny().toString();
        String o = dir.resolve("bad.f32").toString();
        int v = TinyModels.N_VOCAB;
        oneLineError(CliRunner.run("logits", "-m", m, "--tokens", "1," + v, "-o", o), "token id " + v);
        oneLineError(CliRunner.run("logits", "-m", m, "--tokens", "1,-2", "-o", o), "negative");
        oneLineError(CliRunner.run("logits", "-m", m, "--tokens", "", "-o", o), "empty");
        oneLineError(CliRunner.run("logits", "-m", m, "--tokens", "1,,2", "-o", o), "not a token id");
        oneLineError(CliRunner.run("logits", "-m", m, "--tokens", "1,x", "-o", o), "'x'");
        oneLineError(CliRunner.run("logits", "-m", m, "--tokens", "1,99999999999", "-o", o), "not a token id");
        oneLineError(CliRunner.run("logits", "-m", m, "--tokens", "1,2", "--greedy", "two", "-o", o), "--greedy");
        oneLineError(CliRunner.run("logits", "-m", m, "--tokens", "1,2", "--greedy", "-1", "-o", o), "--greedy");
        oneLineError(CliRunner.run("logits", "-m", m, "--tokens", "1,2", "--greedy", "127", "-o", o), "context overflow");
        oneLineError(CliRunner.run("logits", "-m", m, "--tokens", "1,2", "--greedy", "3", "--ctx", "4", "-o", o),
                "context overflow");
        oneLineError(CliRunner.run("logits", "-m", m, "--tokens", "1,2", "--ctx", "129", "-o", o), "context length 128");
        // the tiny model's vocabulary is a placeholder whose merges name tokens it lacks
        oneLineError(CliRunner.run("logits", "-m", m, "-p", "hello", "-o", o), "tokenizer.ggml.merges");
        oneLineError(CliRunner.run("logits", "-m", m, "-p", "hello", "--tokens", "1", "-o", o), "exactly one");
        oneLineError(CliRunner.run("logits", "-m", m, "-o", o), "--tokens");
        oneLineError(CliRunner.run("logits", "-m", dir.resolve("absent.gguf").toString(), "--tokens", "1", "-o", o),
                "no such file");
        assertFalse(Files.exists(Path.of(o)), "no output file when the input is rejected");
        oneLineError(CliRunner.run("logits", "-m", m, "--tokens", "1", "-o", dir.resolve("nodir/x.f32").toString()),
                "cannot write");
        oneLineError(CliRunner.run("logits", "-m", m, "--tokens", "1", "-o", dir.toString()), "cannot write");

        Path mamba = dir.resolve("mamba.gguf");
        TinyModels.qwen3moe(7).putString("general.architecture", "mamba").write(mamba);
        oneLineError(CliRunner.run("logits", "-m", mamba.toString(), "--tokens", "1", "-o", o), "'mamba' is not supported");

        // the exact boundary fits: 2 + 126 = 128 = context_length
        CliRunner ok = CliRunner.run("logits", "-m", m, "--tokens", "1,2", "--greedy", "126", "-o", o);
        assertEquals(0, ok.exitCode(), ok.err());

        CliRunner verbose = CliRunner.run("logits", "--verbose", "-m", m, "--tokens", "1,x", "-o", o);
        assertEquals(1, verbose.exitCode());
        assertTrue(verbose.err().contains("\tat "), verbose.err());
    }

    /** {@code -p} tokenizes every fixture prompt exactly as llama.cpp did (its prompt_token_ids). */
    @ParameterizedTest
    @CsvSource({"qwen3moe, p1", "qwen3moe, p2", "qwen2moe, p2", "olmoe, p2", "granitemoe, p2", "mixtral, p1",
            "mixtral, p2", "deepseek2-lite, p2", "deepseek2-v3, p2", "gpt-oss, p1", "gpt-oss, p2"})
    void textPromptsTokenizeLikeLlamaCpp(String tag, String prompt) throws IOException {
        Path ref = Fixtures.require("models/" + tag + "/ref/F16." + prompt);
        JsonObject m = JsonParser.parseString(Files.readString(ref.resolve("manifest.json"))).getAsJsonObject();
        Path model = Fixtures.require("models/" + tag + "/" + m.get("model_file").getAsString());
        Path out = dir.resolve(tag + prompt + ".f32");
        CliRunner r = CliRunner.run("logits", "-m", model.toString(), "-p", m.get("prompt_text").getAsString(),
                "--greedy", "2", "-o", out.toString());
        assertEquals(0, r.exitCode(), r.err());
        JsonObject j = JsonParser.parseString(r.out()).getAsJsonObject();
        assertArrayEquals(ints(m.getAsJsonArray("prompt_token_ids")), ints(j.getAsJsonArray("prompt_tokens")), tag);
        int[] gen = ints(m.getAsJsonArray("generated_token_ids"));
        assertArrayEquals(new int[]{gen[0], gen[1]}, ints(j.getAsJsonArray("generated_tokens")), tag + " greedy");
    }

    @Test
    void listedInHelp() {
        CliRunner h = CliRunner.run("--help");
        assertEquals(0, h.exitCode());
        assertTrue(h.out().contains("logits"), h.out());
    }

    private static void oneLineError(CliRunner r, String fragment) {
        assertEquals(1, r.exitCode(), r.err());
        assertEquals("", r.out());
        String e = r.err();
        assertTrue(e.startsWith("moe4j: ") && e.contains(fragment), e);
        assertEquals(1, e.strip().lines().count(), "one line: " + e);
    }

    // ---------------------------------------------------------------- helpers

    private static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[off + i] > x[off + best]) {
                best = i;
            }
        }
        return best;
    }

    private static String csv(int[] ids) {
        return Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }

    private static int[] ints(JsonArray a) {
        int[] v = new int[a.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i).getAsInt();
        }
        return v;
    }

    private static int[] concat(int[] a, int[] b) {
        int[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static float[] concat(float[] a, float[] b) {
        float[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static float[] floats(Path f) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(f)).order(ByteOrder.LITTLE_ENDIAN);
        float[] v = new float[b.remaining() / 4];
        b.asFloatBuffer().get(v);
        return v;
    }
}
