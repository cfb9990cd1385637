package io.github.moe4j.cuda;

import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Architectures;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.DecoderConfig;
import io.github.moe4j.model.DecoderState;
import io.github.moe4j.model.KvType;
import io.github.moe4j.model.Linear;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The whole {@link CudaDecoder} (host flow: chunked prefill, positions, pinned transfers, the eager first
 * decode, graph capture and replay, hybrid round trips, logits rows) on {@link EmulatedDevice}, against the
 * CPU decoder. Bound: max |dlogit| <= 1e-4 x max |logit| and the same argmax per row.
 */
class EmulatedDecoderTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}, experts on CPU: {1}, kv {2}")
    @CsvSource({"qwen3moe,0,F32", "qwen2moe,0,F32", "olmoe,0,F16", "qwen2moe,2,F32", "qwen3moe,3,F16",
            "deepseek2,0,F32", "deepseek2,2,F32", "deepseek2-qlora,0,F32", "deepseek2-qlora,2,F32"})
    void decoderMatchesTheCpu(String arch, int cpuLayers, KvType kv) {
        Path p = arch.startsWith("deepseek2") ? TinyMoe.writeDeepSeek2(dir, 3, arch.endsWith("qlora") ? 24 : 0, 31)
                : TinyMoe.write(dir, arch, 3, 31);
        try (GgufModel gguf = GgufModel.open(p); Arena arena = Arena.ofConfined()) {
            Decoder cpu = Architectures.load(gguf, Linear.SCALAR);
            DecoderConfig c = cpu.config();
            EmulatedDevice dev = new EmulatedDevice(arena, 256L << 20);
            ExpertPlacement placement = new ExpertPlacement(c.nLayer(), cpuLayers);
            assertEquals(null, CudaSupport.unsupportedModel(gguf, cpu));
            CudaDecoder g = new CudaDecoder(c, dev, CudaDecoder.bind(gguf, c, placement, dev), placement, Linear.SCALAR);
            int v = c.nVocab();
            Random r = new Random(2);
            int[] prompt = new int[150];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = r.nextInt(v);
            }
            DecoderState sc = cpu.newState(200, kv);
            DecoderState sg = g.newState(200, kv);
            assertEquals(c, sg.config());
            // prompt in three calls: 70 tokens with logits (two device steps), 60 without, 20 with logits at an offset
            float[] lc = new float[70 * v];
            float[] lg = new float[70 * v];
            cpu.forward(sc, prompt, 0, 70, lc, 0, null);
            g.forward(sg, prompt, 0, 70, lg, 0, null);
            compare(lc, lg, v, arch + " prompt");
            cpu.forward(sc, prompt, 70, 60, null, 0, null);
            g.forward(sg, prompt, 70, 60, null, 0, null);
            float[] oc = new float[(20 + 3) * v];
            float[] og = new float[(20 + 3) * v];
            cpu.forward(sc, prompt, 130, 20, oc, 3 * v, null);
            g.forward(sg, prompt, 130, 20, og, 3 * v, null);
            compare(oc, og, v, arch + " prompt tail at an offset");
            assertEquals(sc.position(), sg.position());
            float[] rc = new float[v];
            float[] rg = new float[v];
            for (int step = 0; step < 8; step++) {
                int tok = r.nextInt(v);
                cpu.decode(sc, tok, rc);
                g.decode(sg, tok, rg);
                compare(rc, rg, v, arch + " decode " + step);
            }
            // one token through forward at an offset takes the chunk path
            float[] one = new float[2 * v];
            float[] oneRef = new float[2 * v];
            cpu.forward(sc, new int[]{5}, 0, 1, oneRef, v, null);
            g.forward(sg, new int[]{5}, 0, 1, one, v, null);
            compare(oneRef, one, v, arch + " one token at an offset");
            assertEquals(sc.position(), sg.position());
            if (cpuLayers == 0) {
                assertEquals(7, dev.replays, "decode 0 eager, 1 captured and replayed, then replays");
                assertEquals(0, dev.hostSteps);
            } else {
                assertEquals(0, dev.replays, "hybrid steps are not captured");
                assertTrue(dev.hostSteps > 0);
            }
            // prefix reuse: truncate and decode again from there
            sc.truncate(100);
            sg.truncate(100);
            cpu.decode(sc, 7, rc);
            g.decode(sg, 7, rg);
            compare(rc, rg, v, arch + " after truncate");
        }
    }

    @Test
    void statesOfAnotherModelAndFullContextsAreRefused() {
        Path p = TinyMoe.write(dir, "qwen3moe", 1, 1);
        try (GgufModel gguf = GgufModel.open(p); Arena arena = Arena.ofConfined()) {
            Decoder cpu = Architectures.load(gguf, Linear.SCALAR);
            DecoderConfig c = cpu.config();
            EmulatedDevice dev = new EmulatedDevice(arena, 64L << 20);
            ExpertPlacement pl = ExpertPlacement.allOnDevice(1);
            CudaDecoder g = new CudaDecoder(c, dev, CudaWeights.bind(gguf, c, pl, dev), pl, Linear.SCALAR);
            assertThrows(IllegalArgumentException.class, () -> g.decode(cpu.newState(8), 1, null));
            DecoderState s = g.newState(2);
            g.decode(s, 1, null);
            g.decode(s, 2, new float[c.nVocab()]);
            assertThrows(IllegalStateException.class, () -> g.decode(s, 3, null));
            assertThrows(IllegalArgumentException.class, () -> g.decode(g.newState(4), c.nVocab(), null));
            assertThrows(IndexOutOfBoundsException.class, () -> g.forward(g.newState(4), new int[]{1, 2}, 0, 2,
                    new float[c.nVocab()], 0, null));
        }
    }

    private static void compare(float[] ref, float[] got, int v, String what) {
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
            assertTrue(diff <= 1e-4 * max, what + " row " + r0 / v + ": max |dlogit| " + diff + " of " + max);
            assertEquals(am, ag, what + " row " + r0 / v + ": argmax");
        }
    }
}
