package io.github.moe4j.cuda;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.github.moe4j.api.Backend;
import io.github.moe4j.api.LoadOptions;
import io.github.moe4j.cpu.WorkerPool;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Architectures;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.DecoderState;
import io.github.moe4j.model.KernelLinear;
import io.github.moe4j.model.Linear;
import io.github.moe4j.support.Fixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole models on the GPU (skipped without one): tiny random models against the CPU scalar decoder
 * (prefill and graph-replayed decode, all-GPU and hybrid placements), and the shared F16 fixtures
 * against llama.cpp's logits. Bounds: tiny models max |dlogit| <= 1e-3 * max |logit| and the same
 * argmax; fixtures max |dlogit| <= 0.1 (granitemoe 0.2: embedding scale 12) and the same argmax.
 */
@Tag("cuda")
class CudaModelTest {
    private static WorkerPool pool;
    @TempDir
    Path dir;

    @BeforeAll
    static void pool() {
        CudaTesting.requireDevice();
        pool = new WorkerPool(4);
    }

    @AfterAll
    static void closePool() {
        if (pool != null) {
            pool.close();
        }
    }

    private static CudaBackend.Choice gpu(GgufModel gguf, Decoder cpu, LoadOptions o) {
        CudaBackend.Choice c = CudaBackend.choose(o, gguf, cpu, new KernelLinear(pool, true));
        assertEquals(Backend.CUDA, c.backend(), c.note());
        assertInstanceOf(CudaDecoder.class, c.decoder());
        return c;
    }

    @ParameterizedTest(name = "{0}, experts on CPU: {1}")
    @CsvSource({"qwen3moe,0", "qwen2moe,0", "olmoe,0", "qwen3moe,1", "qwen2moe,3", "deepseek2,0", "deepseek2,2"})
    void tinyModelsMatchTheCpu(String arch, int cpuLayers) throws Exception {
        Path p = arch.equals("deepseek2") ? TinyMoe.writeDeepSeek2(dir, 3, 24, 11) : TinyMoe.write(dir, arch, 3, 11);
        try (GgufModel gguf = GgufModel.open(p)) {
            Decoder cpu = Architectures.load(gguf, Linear.SCALAR);
            LoadOptions o = LoadOptions.builder().backend(Backend.CUDA).expertsOnCpu(cpuLayers).build();
            CudaBackend.Choice c = gpu(gguf, cpu, o);
            try (AutoCloseable res = c.resources()) {
                Decoder g = c.decoder();
                int v = cpu.vocabSize();
                Random r = new Random(5);
                int[] prompt = new int[20];
                for (int i = 0; i < prompt.length; i++) {
                    prompt[i] = r.nextInt(v);
                }
                DecoderState sc = cpu.newState(128);
                DecoderState sg = g.newState(128);
                float[] lc = new float[prompt.length * v];
                float[] lg = new float[prompt.length * v];
                cpu.forward(sc, prompt, 0, prompt.length, lc, 0, null);
                g.forward(sg, prompt, 0, prompt.length, lg, 0, null);
                compare(lc, lg, v, 1e-3, arch + " prefill");
                float[] rc = new float[v];
                float[] rg = new float[v];
                for (int step = 0; step < 12; step++) {     // step 0 eager, step 1 captures the graph, the rest replay it
                    int tok = r.nextInt(v);
                    cpu.decode(sc, tok, rc);
                    g.decode(sg, tok, rg);
                    compare(rc, rg, v, 1e-3, arch + " decode step " + step);
                }
                assertEquals(sc.position(), sg.position());
            }
        }
    }

    @Test
    void launchCountIsReported() throws Exception {
        Path p = TinyMoe.write(dir, "qwen3moe", 2, 1);
        try (GgufModel gguf = GgufModel.open(p)) {
            Decoder cpu = Architectures.load(gguf, Linear.SCALAR);
            CudaBackend.Choice c = gpu(gguf, cpu, LoadOptions.builder().backend(Backend.CUDA).build());
            try (AutoCloseable res = c.resources()) {
                assertEquals(1 + 2 * 11 + 2, ((CudaDecoder) c.decoder()).launchesPerToken());
                assertTrue(c.note().contains("25 kernel launches per decoded token"), c.note());
            }
        }
    }

    /** The F16 fixtures, teacher-forced, against llama.cpp's logits. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"qwen3moe", "olmoe", "qwen2moe", "mixtral", "granitemoe", "gpt-oss", "deepseek2-lite", "deepseek2-v3"})
    void fixturesMatchLlamaCpp(String tag) throws Exception {
        Path ref = Fixtures.require("models/" + tag + "/ref/F16.p1");
        JsonObject m = JsonParser.parseString(Files.readString(ref.resolve("manifest.json"))).getAsJsonObject();
        Path model = Fixtures.require("models/" + tag + "/" + m.get("model_file").getAsString());
        int[] prompt = ints(m.getAsJsonArray("prompt_token_ids"));
        int[] gen = ints(m.getAsJsonArray("generated_token_ids"));
        int v = m.get("n_vocab").getAsInt();
        float[] refPrompt = floats(ref.resolve("logits_prompt.f32"));
        float[] refGen = floats(ref.resolve("logits_gen.f32"));
        double tol = tag.equals("granitemoe") ? 0.2 : 0.1;
        for (int cpuLayers : new int[]{0, 2}) {
            try (GgufModel gguf = GgufModel.open(model)) {
                Decoder cpu = Architectures.load(gguf, new KernelLinear(pool));
                LoadOptions o = LoadOptions.builder().backend(Backend.CUDA).expertsOnCpu(cpuLayers).build();
                CudaBackend.Choice c = gpu(gguf, cpu, o);
                try (AutoCloseable res = c.resources()) {
                    Decoder g = c.decoder();
                    DecoderState s = g.newState(Math.min(1024, cpu.config().nCtxTrain()));
                    float[] lp = new float[prompt.length * v];
                    g.forward(s, prompt, 0, prompt.length, lp, 0, null);
                    absolute(refPrompt, lp, v, tol, tag + " prompt (CPU layers " + cpuLayers + ")");
                    float[] row = new float[v];
                    float[] lgen = new float[gen.length * v];
                    for (int i = 0; i < gen.length; i++) {
                        g.decode(s, gen[i], row);
                        System.arraycopy(row, 0, lgen, i * v, v);
                    }
                    // logits_gen row i belongs to generated token i fed at position prompt + i
                    absolute(refGen, lgen, v, tol, tag + " generation (CPU layers " + cpuLayers + ")");
                }
            }
        }
    }

    private static void compare(float[] ref, float[] got, int v, double rel, String what) {
        for (int r0 = 0; r0 < ref.length; r0 += v) {
            double max = 0;
            double diff = 0;
            int am = 0;
            int ag = 0;
            for (int i = 0; i < v; i++) {
                max = Math.max(max, Math.abs(ref[r0 + i]));
                diff = Math.max(diff, Math.abs(ref[r0 + i] - got[r0 + i]));
                am = ref[r0 + i] > ref[r0 + am] ? i : am;
                ag = got[r0 + i] > got[r0 + ag] ? i : ag;
            }
            assertTrue(diff <= rel * max, what + " row " + r0 / v + ": max |dlogit| " + diff + " vs " + max);
            assertEquals(am, ag, what + " row " + r0 / v + ": argmax");
        }
    }

    private static void absolute(float[] ref, float[] got, int v, double tol, String what) {
        for (int r0 = 0; r0 < ref.length; r0 += v) {
            double diff = 0;
            int am = 0;
            int ag = 0;
            for (int i = 0; i < v; i++) {
                diff = Math.max(diff, Math.abs(ref[r0 + i] - got[r0 + i]));
                am = ref[r0 + i] > ref[r0 + am] ? i : am;
                ag = got[r0 + i] > got[r0 + ag] ? i : ag;
            }
            assertTrue(diff <= tol, what + " row " + r0 / v + ": max |dlogit| " + diff + " > " + tol);
            assertEquals(am, ag, what + " row " + r0 / v + ": argmax");
        }
    }

    private static int[] ints(JsonArray a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).getAsInt();
        }
        return r;
    }

    private static float[] floats(Path p) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(p)).order(ByteOrder.LITTLE_ENDIAN);
        float[] f = new float[b.remaining() / 4];
        b.asFloatBuffer().get(f);
        return f;
    }
}
