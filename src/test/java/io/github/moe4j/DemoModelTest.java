package io.github.moe4j;

import io.github.moe4j.cpu.WorkerPool;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Architectures;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.DecoderState;
import io.github.moe4j.model.KernelLinear;
import io.github.moe4j.tokenizer.Tokenizer;
import io.github.moe4j.tokenizer.Tokenizers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bundled demo model ({@code models/moe4j-demo-kjv.gguf}, a qwen3moe trained by
 * {@code tools/train-demo} on the King James Bible): it loads with its metadata, its perplexity on
 * held-out chapters ({@code models/kjv-heldout-sample.txt}, chapters the training never saw) is far below
 * the vocabulary size and close to what the PyTorch training code measured on the exported weights, and
 * greedy generation from a fixed prompt is deterministic, readable and the continuation PyTorch gives.
 */
class DemoModelTest {
    static final Path ROOT = root();
    static final Path MODEL = ROOT.resolve("models/moe4j-demo-kjv.gguf");
    static final Path HELDOUT = ROOT.resolve("models/kjv-heldout-sample.txt");
    static final int N_CTX = 256;
    /** PyTorch (tools/train-demo/export_gguf.py, on the exported F16 weights) on the same text and chunks. */
    static final double PYTORCH_PPL = 42.5282;
    static final String PROMPT = "And God said";
    /** PyTorch's greedy continuation of PROMPT (40 tokens, argmax, lowest id on ties). */
    static final String PYTORCH_CONTINUATION =
            ", I will not be the king of Israel, and I will give thee to the people, and I will give thee to the people, and to the people that is in the land of Egypt,";
    private static WorkerPool pool;

    private static Path root() {
        String env = System.getenv("MOE4J_PROJECT_ROOT");
        return Path.of(env != null && !env.isBlank() ? env : System.getProperty("user.dir")).toAbsolutePath().normalize();
    }

    @BeforeAll
    static void start() {
        pool = new WorkerPool(2);
    }

    @AfterAll
    static void stop() {
        pool.close();
    }

    @Test
    void metadataIsComplete() throws IOException {
        try (GgufModel g = GgufModel.open(MODEL)) {
            var md = g.metadata();
            assertEquals("qwen3moe", md.getString("general.architecture"));
            assertEquals("moe4j-demo-kjv", md.getString("general.name"));
            assertNotNull(md.getString("general.license", null), "general.license");
            assertFalse(md.getString("general.description", "").isBlank(), "general.description");
            assertEquals("gpt-2", md.getString("tokenizer.ggml.pre"));
            assertTrue(Files.size(MODEL) < 16_000_000L, "the bundled model stays small: " + Files.size(MODEL));
        }
    }

    @Test
    void heldOutPerplexityIsFarBelowTheVocabularySize() throws IOException {
        try (GgufModel g = GgufModel.open(MODEL)) {
            Tokenizer tok = Tokenizers.fromMetadata(g.metadata());
            Decoder m = Architectures.load(g, new KernelLinear(pool));
            int[] tokens = tok.encode(Files.readString(HELDOUT), true, false);
            int nChunk = tokens.length / N_CTX;
            assertTrue(nChunk >= 4, "held-out text too short: " + tokens.length + " tokens");
            int v = m.vocabSize();
            float[] logits = new float[N_CTX * v];
            DecoderState s = m.newState(N_CTX);
            double sum = 0;
            long count = 0;
            for (int c = 0; c < nChunk; c++) {
                int[] chunk = Arrays.copyOfRange(tokens, c * N_CTX, (c + 1) * N_CTX);
                s.reset();
                m.forward(s, chunk, 0, N_CTX, logits, 0, null);
                for (int i = N_CTX / 2; i < N_CTX - 1; i++) { // the second half, as llama-perplexity scores
                    sum += nll(logits, i * v, v, chunk[i + 1]);
                    count++;
                }
            }
            double ppl = Math.exp(sum / count);
            System.out.printf(Locale.ROOT, "demo model: held-out perplexity %.4f over %d tokens (vocabulary %d)%n",
                    ppl, count, v);
            assertTrue(ppl < v / 10.0, "perplexity " + ppl + " is not far below the vocabulary size " + v);
            if (!Double.isNaN(PYTORCH_PPL)) {
                assertEquals(PYTORCH_PPL, ppl, PYTORCH_PPL * 1e-3, "moe4j and the PyTorch training code disagree");
            }
        }
    }

    @Test
    void greedyContinuationIsDeterministicAndReadable() throws IOException {
        try (GgufModel g = GgufModel.open(MODEL)) {
            Tokenizer tok = Tokenizers.fromMetadata(g.metadata());
            Decoder m = Architectures.load(g, new KernelLinear(pool));
            int[] prompt = tok.encode(PROMPT, true, false);
            int[] a = greedy(m, prompt, 40);
            int[] b = greedy(m, prompt, 40);
            assertArrayEquals(a, b, "greedy generation is not deterministic");
            String text = tok.decode(a, false);
            System.out.println("demo model: " + PROMPT + "|" + text);
            if (!PYTORCH_CONTINUATION.isEmpty()) {
                assertEquals(PYTORCH_CONTINUATION, text, "moe4j's greedy continuation differs from PyTorch's");
            }
            // readable: most words of the continuation are words of the corpus
            Set<String> known = new HashSet<>(Arrays.asList(
                    Files.readString(HELDOUT).toLowerCase(Locale.ROOT).split("[^a-z]+")));
            String[] words = Arrays.stream(text.toLowerCase(Locale.ROOT).split("[^a-z]+"))
                    .filter(w -> !w.isEmpty()).toArray(String[]::new);
            assertTrue(words.length >= 10, "too few words: " + text);
            long ok = Arrays.stream(words).filter(known::contains).count();
            assertTrue(ok >= 0.8 * words.length, ok + " of " + words.length + " words are corpus words: " + text);
        }
    }

    private static int[] greedy(Decoder m, int[] prompt, int n) {
        int v = m.vocabSize();
        DecoderState s = m.newState(prompt.length + n);
        float[] logits = new float[prompt.length * v];
        m.forward(s, prompt, 0, prompt.length, logits, 0, null);
        int next = argmax(logits, (prompt.length - 1) * v, v);
        int[] out = new int[n];
        float[] row = new float[v];
        for (int k = 0; k < n; k++) {
            out[k] = next;
            if (k + 1 < n) {
                m.decode(s, next, row);
                next = argmax(row, 0, v);
            }
        }
        return out;
    }

    private static double nll(float[] logits, int off, int n, int target) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, logits[off + i]);
        }
        double z = 0;
        for (int i = 0; i < n; i++) {
            z += Math.exp((double) logits[off + i] - max);
        }
        return Math.log(z) + max - logits[off + target];
    }

    private static int argmax(float[] x, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (x[off + i] > x[off + best]) {
                best = i;
            }
        }
        return best;
    }
}
