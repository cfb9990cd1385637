package io.github.moe4j.cuda;

import io.github.moe4j.cpu.RopeTable;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Architectures;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.DecoderConfig;
import io.github.moe4j.model.DecoderState;
import io.github.moe4j.model.KvType;
import io.github.moe4j.model.Linear;
import io.github.moe4j.model.MoeConfig;
import io.github.moe4j.model.MoeWeights;
import io.github.moe4j.cpu.ScalarOps;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whole forward passes assembled by {@link DecoderStep}, run on {@link EmulatedDevice} (the ABI's
 * kernels in plain Java), against the CPU decoder: a prefill in steps of 16 (grouped experts), then
 * single-token decode steps (split attention), all-GPU and hybrid. Bound: max |dlogit| <= 1e-4 * max |logit|
 * and the same argmax per row. Checks the Java side's wiring without a GPU.
 */
class StepEmulationTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}, experts on CPU: {1}")
    @CsvSource({"qwen3moe,0,false", "qwen2moe,0,false", "olmoe,0,false", "qwen3moe,2,false", "qwen2moe,1,false",
            "qwen3moe,0,true", "olmoe,1,true"})
    void emulatedStepsMatchTheCpuDecoder(String arch, int cpuLayers, boolean kvF16) {
        Path p = TinyMoe.write(dir, arch, 3, 21);
        int nCtx = 64;
        int ub = 16;
        try (GgufModel gguf = GgufModel.open(p); Arena arena = Arena.ofConfined()) {
            Decoder cpu = Architectures.load(gguf, Linear.SCALAR);
            DecoderConfig c = cpu.config();
            EmulatedDevice dev = new EmulatedDevice(arena, 64L << 20);
            CudaWeights w = CudaWeights.bind(gguf, c, new ExpertPlacement(c.nLayer(), cpuLayers), dev);
            StepBuffers b = StepBuffers.allocate(c, nCtx, ub, kvF16, dev);
            RopeTable rope = new RopeTable(c.rope(), nCtx);
            int half = c.rope().nRot() / 2;
            for (int ps = 0; ps < nCtx; ps++) {
                for (int i = 0; i < half; i++) {
                    dev.f(b.cos(), (long) ps * half + i, rope.cos(ps, i));
                    dev.f(b.sin(), (long) ps * half + i, rope.sin(ps, i));
                }
            }
            dev.hostExperts = (layer, nTok) -> hostExperts(dev, c, w.layers()[layer].cpuExperts(), b, nTok);
            DecoderStep step = new DecoderStep(c, w);
            Kernels k = new Kernels(dev);

            int v = c.nVocab();
            Random r = new Random(9);
            int[] prompt = new int[40];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = r.nextInt(v);
            }
            DecoderState s = cpu.newState(nCtx, kvF16 ? KvType.F16 : KvType.F32);
            float[] ref = new float[prompt.length * v];
            cpu.forward(s, prompt, 0, prompt.length, ref, 0, null);
            int pos = 0;
            for (int b0 = 0; b0 < prompt.length; b0 += ub) {
                int nb = Math.min(ub, prompt.length - b0);
                for (int t = 0; t < nb; t++) {
                    dev.i(b.tokens(), t, prompt[b0 + t]);
                }
                dev.i(b.pos(), 0, pos);
                step.emit(k, b, nb, true);
                for (int t = 0; t < nb; t++) {
                    compare(ref, (b0 + t) * v, dev.floats(b.logits() + 4L * t * v, v), arch + " prompt token " + (b0 + t));
                }
                pos += nb;
            }
            float[] row = new float[v];
            for (int i = 0; i < 6; i++) {
                int tok = r.nextInt(v);
                cpu.decode(s, tok, row);
                dev.i(b.tokens(), 0, tok);
                dev.i(b.pos(), 0, pos++);
                step.emit(k, b, 1, true);
                compare(row, 0, dev.floats(b.logits(), v), arch + " decode " + i);
            }
        }
    }

    /** What CudaDecoder.cpuExperts does, on emulated memory. */
    private static void hostExperts(EmulatedDevice dev, DecoderConfig c, MoeWeights w, StepBuffers b, int nTok) {
        MoeConfig m = c.moe();
        int e = c.nEmbd();
        int nf = m.nFfExp();
        for (int t = 0; t < nTok; t++) {
            float[] x = dev.floats(b.xn() + 4L * t * e, e);
            float[] out = new float[e];
            for (int j = 0; j < m.nUsed(); j++) {
                int id = dev.i(b.ids(), (long) t * m.nUsed() + j);
                float wj = dev.f(b.weights(), (long) t * m.nUsed() + j);
                float[] g = new float[nf];
                float[] u = new float[nf];
                float[] a = new float[nf];
                float[] d = new float[e];
                Linear.SCALAR.matvec(w.gate()[id], x, 0, g, 0);
                Linear.SCALAR.matvec(w.up()[id], x, 0, u, 0);
                ScalarOps.swiglu(g, 0, u, 0, a, 0, nf);
                Linear.SCALAR.matvec(w.down()[id], a, 0, d, 0);
                ScalarOps.addScaled(out, 0, d, 0, e, wj);
            }
            dev.put(b.moeOut() + 4L * t * e, out);
        }
    }

    private static void compare(float[] ref, int off, float[] got, String what) {
        double max = 0;
        double diff = 0;
        int am = 0;
        int ag = 0;
        for (int i = 0; i < got.length; i++) {
            max = Math.max(max, Math.abs(ref[off + i]));
            diff = Math.max(diff, Math.abs(ref[off + i] - got[i]));
            am = ref[off + i] > ref[off + am] ? i : am;
            ag = got[i] > got[ag] ? i : ag;
        }
        assertTrue(diff <= 1e-4 * max, what + ": max |dlogit| " + diff + " of " + max);
        assertEquals(am, ag, what + ": argmax");
    }
}
