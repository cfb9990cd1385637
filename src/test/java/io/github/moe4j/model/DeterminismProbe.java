package io.github.moe4j.model;

import io.github.moe4j.cpu.WorkerPool;
import io.github.moe4j.gguf.GgufModel;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * Evaluates a model on fixed tokens with the fast kernels and prints one hash of every logit's bits
 * per repetition. Run in a JVM whose JIT cannot compile the Vector API intrinsics
 * ({@code -XX:TieredStopAtLevel=1}) and in a normal one: the hashes must agree, because the kernels'
 * results must not depend on whether the JIT has compiled them.
 *
 * <p>Arguments: model path, repetitions, threads.
 */
public final class DeterminismProbe {
    private DeterminismProbe() {
    }

    public static void main(String[] args) {
        Path path = Path.of(args[0]);
        int reps = Integer.parseInt(args[1]);
        int threads = Integer.parseInt(args[2]);
        for (long h : run(path, reps, threads)) {
            System.out.println(Long.toHexString(h));
        }
    }

    /** One hash per repetition: prompt logits of a 9-token prefill, then 4 decode steps. */
    public static long[] run(Path path, int reps, int threads) {
        long[] out = new long[reps];
        try (WorkerPool pool = new WorkerPool(threads); GgufModel gguf = GgufModel.open(path)) {
            Decoder m = Architectures.load(gguf, new KernelLinear(pool));
            int v = m.vocabSize();
            int[] prompt = new int[9];
            for (int i = 0; i < prompt.length; i++) {
                prompt[i] = (i * 37 + 11) % Math.min(v, 250);
            }
            float[] logits = new float[prompt.length * v];
            float[] row = new float[v];
            for (int r = 0; r < reps; r++) {
                DecoderState s = m.newState(32);
                m.forward(s, prompt, 0, prompt.length, logits, 0, null);
                long h = hash(1469598103934665603L, logits);
                int next = 7;
                for (int k = 0; k < 4; k++) {
                    m.decode(s, next, row);
                    h = hash(h, row);
                    next = (next * 13 + 5) % Math.min(v, 250);
                }
                out[r] = h;
            }
        }
        return out;
    }

    private static long hash(long h, float[] xs) {
        for (float x : xs) {
            h = (h ^ Float.floatToRawIntBits(x)) * 1099511628211L;
        }
        return h;
    }

    static String describe(long[] hs) {
        return Arrays.toString(Arrays.stream(hs).mapToObj(Long::toHexString).toArray());
    }
}
