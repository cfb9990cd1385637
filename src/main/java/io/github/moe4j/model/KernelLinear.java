package io.github.moe4j.model;

import io.github.moe4j.cpu.Activation;
import io.github.moe4j.cpu.ActivationBatch;
import io.github.moe4j.cpu.DotKernels;
import io.github.moe4j.cpu.MatMul;
import io.github.moe4j.cpu.WorkerPool;
import io.github.moe4j.tensor.GgmlType;
import io.github.moe4j.tensor.Tensor;

import java.lang.foreign.Arena;
import java.util.Objects;

/**
 * {@link Linear} over the fast {@code cpu} kernels: the activation is prepared once per call in an
 * {@link Activation} (llama.cpp's vec_dot type of the weight, the same rounding as
 * {@link RoundingLinear}, or plain F32 with {@code f32Activations}) and {@link MatMul} splits the rows
 * across {@code pool}'s threads; {@link #matmul} prepares an {@link ActivationBatch} and reads each
 * weight once for all tokens.
 *
 * <p>Scratch ({@link MatMul}, {@link Activation}, {@link ActivationBatch}) is held per calling thread,
 * so one instance may be shared by the decoder across sessions; it grows to the largest row length and
 * batch seen (warm-up) and nothing is allocated per call afterwards. The pool belongs to the caller,
 * who closes it after the last call. Every call re-prepares its activation: {@code x}'s contents may
 * change between calls with the same array and offset, so nothing is reused across calls.
 */
public final class KernelLinear implements Linear {
    private final WorkerPool pool;
    private final boolean f32Activations;
    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    /** Rounded activations (llama.cpp's vec_dot type per weight type), rows split across {@code pool}. */
    public KernelLinear(WorkerPool pool) {
        this(pool, false);
    }

    /** With {@code f32Activations}, activations are kept in float32 (no rounding) for every weight type. */
    public KernelLinear(WorkerPool pool, boolean f32Activations) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.f32Activations = f32Activations;
    }

    public WorkerPool pool() {
        return pool;
    }

    private GgmlType activationType(Tensor w) {
        return f32Activations ? GgmlType.F32 : DotKernels.of(w.type()).activationType();
    }

    @Override
    public void matvec(Tensor w, float[] x, int xOff, float[] y, int yOff) {
        Objects.requireNonNull(w, "weight");
        int cols = (int) w.dim(0);
        Objects.checkFromIndexSize(xOff, cols, x.length);
        Scratch s = scratch.get();
        s.ensure(pool, cols, 1);
        s.act.set(x, xOff, cols, activationType(w));
        s.matMul.matvec(w, s.act, y, yOff);
    }

    @Override
    public void matmul(Tensor w, float[] x, int xOff, int xStride, int n, float[] y, int yOff, int yStride) {
        if (n <= 0) {
            return;
        }
        if (n == 1) {
            matvec(w, x, xOff, y, yOff);
            return;
        }
        Objects.requireNonNull(w, "weight");
        int cols = (int) w.dim(0);
        Objects.checkFromIndexSize(xOff, (long) (n - 1) * xStride + cols, x.length);
        Scratch s = scratch.get();
        s.ensure(pool, cols, n);
        s.batch.set(pool, x, xOff, xStride, n, cols, activationType(w));
        s.matMul.matmul(w, s.batch, y, yOff, yStride);
    }

    @Override
    public void matmulPair(Tensor w1, Tensor w2, float[] x, int xOff, int xStride, int n, float[] y1, float[] y2,
                           int yOff, int yStride) {
        Objects.requireNonNull(w1, "weight");
        Objects.requireNonNull(w2, "weight");
        if (n <= 1 || w1.dim(0) != w2.dim(0) || activationType(w1) != activationType(w2)) {
            Linear.super.matmulPair(w1, w2, x, xOff, xStride, n, y1, y2, yOff, yStride);
            return;
        }
        int cols = (int) w1.dim(0);
        Objects.checkFromIndexSize(xOff, (long) (n - 1) * xStride + cols, x.length);
        Scratch s = scratch.get();
        s.ensure(pool, cols, n);
        s.batch.set(pool, x, xOff, xStride, n, cols, activationType(w1));
        s.matMul.matmulPair(w1, w2, s.batch, y1, y2, yOff, yStride);
    }

    @Override
    public int threads() {
        return pool.threads();
    }

    @Override
    public void parallelFor(int n, WorkerPool.RangeTask task) {
        pool.parallelFor(n, task);
    }

    @Override
    public void matvecs(int n, Tensor[] w, float[][] x, int[] xOff, float[][] y, int[] yOff) {
        if (n <= 0) {
            return;
        }
        int maxCols = 0;
        for (int j = 0; j < n; j++) {
            Objects.requireNonNull(w[j], "weight");
            int cols = (int) w[j].dim(0);
            Objects.checkFromIndexSize(xOff[j], cols, x[j].length);
            maxCols = Math.max(maxCols, cols);
        }
        Scratch s = scratch.get();
        s.ensure(pool, maxCols, 1);
        s.ensureJobs(n);
        for (int j = 0; j < n; j++) {
            GgmlType type = activationType(w[j]);
            int cols = (int) w[j].dim(0);
            Activation a = null;
            for (int i = 0; i < j && a == null; i++) {      // the same input in the same type: prepared once
                if (x[i] == x[j] && xOff[i] == xOff[j] && s.acts[i].type() == type && s.acts[i].length() == cols) {
                    a = s.acts[i];
                }
            }
            if (a == null) {
                a = s.jobActs[j];
                a.set(x[j], xOff[j], cols, type);
            }
            s.acts[j] = a;
        }
        try {
            s.matMul.matvecs(n, w, s.acts, y, yOff);
        } finally {
            java.util.Arrays.fill(s.acts, 0, n, null);
        }
    }

    /** One thread's scratch, grown on demand (warm-up) and then reused. */
    private static final class Scratch {
        private final Arena arena = Arena.ofAuto();
        MatMul matMul;
        Activation act;
        ActivationBatch batch;
        int cols;
        Activation[] jobActs = new Activation[0];   // [job]: capacity cols each
        Activation[] acts = new Activation[0];      // [job]: the activation a call's job reads

        void ensureJobs(int n) {
            if (jobActs.length < n || (n > 0 && jobActs[0].capacity() < cols)) {
                int c = Math.max(n, jobActs.length);
                jobActs = new Activation[c];
                for (int i = 0; i < c; i++) {
                    jobActs[i] = new Activation(cols, arena);
                }
                acts = new Activation[c];
            }
        }

        void ensure(WorkerPool pool, int c, int tokens) {
            if (c > cols) {
                cols = Math.max(c, 256);
                matMul = new MatMul(pool, cols);
                act = new Activation(cols, arena);
                batch = null;
            }
            if (tokens > 1 && (batch == null || batch.maxTokens() < tokens)) {
                batch = new ActivationBatch(tokens, cols, arena);
            }
        }
    }
}
