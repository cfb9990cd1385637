package io.github.moe4j.cuda;

import io.github.moe4j.tensor.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernels that {@link CudaKernelsTest} does not compare with a CPU routine directly (router fused
 * with the norm, expert gate/up and down, grouped experts and combine, f16 KV store and attention, util)
 * run twice on the same random inputs: on the GPU and on {@link EmulatedDevice}, whose kernels are the
 * ABI text in scalar Java over the CPU references (and which {@code StepEmulationTest} checks against the
 * CPU decoder). Bound: max |gpu - emulated| <= 1e-5 x the largest magnitude of the output; ids exact.
 * Without a GPU only the emulated side runs (outputs must be finite): the scenarios stay exercised.
 */
@Tag("cuda")
class CudaVsEmulationTest {
    private static CudaContext ctx;
    private final Random rnd = new Random(System.nanoTime());

    /** Without a device the scenarios still run on the emulator (their code is exercised), then skip. */
    @BeforeAll
    static void open() {
        if (CudaProbe.get().available() && CudaSupport.missingModules() == null) {
            ctx = CudaContext.open(CudaProbe.get().device());
        }
    }

    @AfterAll
    static void close() {
        if (ctx != null) {
            ctx.close();
        }
    }

    /** One memory model for both runs: the GPU's or the emulator's. */
    interface Mem {
        long up(float[] v);

        long up(int[] v);

        long up(MemorySegment bytes);

        long zeros(long bytes);

        float[] floats(long p, int n);

        int[] ints(long p, int n);

        Kernels kernels();
    }

    /** A scenario: uploads its inputs, launches, returns its outputs (floats then ints) read back. */
    interface Scenario {
        Object[] run(Mem m);
    }

    private void compare(Scenario s, double tol, String what) {
        if (ctx == null) {
            Object[] emu = emulated(s);
            for (Object o : emu) {
                if (o instanceof float[] f) {
                    for (float v : f) {
                        assertTrue(Float.isFinite(v), what + ": emulated output not finite");
                    }
                }
            }
            return;
        }
        Object[] gpu;
        ctx.bind();
        try (Arena a = Arena.ofConfined()) {
            Kernels k = new Kernels(new LaunchSink(ctx, a, null));
            gpu = s.run(new Mem() {
                public long up(float[] v) {
                    return CudaTesting.upload(ctx, v);
                }

                public long up(int[] v) {
                    return CudaTesting.upload(ctx, v);
                }

                public long up(MemorySegment b) {
                    return CudaTesting.upload(ctx, b);
                }

                public long zeros(long bytes) {
                    long p = ctx.allocate(bytes, "zeros").address();
                    Cu.memsetAsync(p, (byte) 0, bytes, ctx.stream());
                    return p;
                }

                public float[] floats(long p, int n) {
                    return CudaTesting.floats(ctx, p, n);
                }

                public int[] ints(long p, int n) {
                    return CudaTesting.ints(ctx, p, n);
                }

                public Kernels kernels() {
                    return k;
                }
            });
        }
        Object[] emu = emulated(s);
        for (int o = 0; o < gpu.length; o++) {
            if (gpu[o] instanceof int[] gi) {
                assertArrayEquals((int[]) emu[o], gi, what + " output " + o);
                continue;
            }
            float[] g = (float[]) gpu[o];
            float[] e = (float[]) emu[o];
            double max = 0;
            for (float v : e) {
                max = Math.max(max, Math.abs(v));
            }
            for (int i = 0; i < e.length; i++) {
                assertTrue(Math.abs(g[i] - e[i]) <= tol * max, what + " output " + o + "[" + i + "]: " + g[i]
                        + " vs " + e[i] + " (max " + max + ")");
            }
        }
    }

    private static Object[] emulated(Scenario s) {
        Object[] emu;
        try (Arena a = Arena.ofConfined()) {
            EmulatedDevice d = new EmulatedDevice(a, 256L << 20);
            Kernels k = new Kernels(d);
            emu = s.run(new Mem() {
                public long up(float[] v) {
                    return d.floats(v, "f");
                }

                public long up(int[] v) {
                    long p = d.alloc(4L * v.length, "i");
                    for (int i = 0; i < v.length; i++) {
                        d.i(p, i, v[i]);
                    }
                    return p;
                }

                public long up(MemorySegment b) {
                    return d.bytes(b);
                }

                public long zeros(long bytes) {
                    long p = d.alloc(bytes, "z");
                    for (long i = 0; i < (bytes + 3) / 4; i++) {
                        d.i(p, i, 0);
                    }
                    return p;
                }

                public float[] floats(long p, int n) {
                    return d.floats(p, n);
                }

                public int[] ints(long p, int n) {
                    int[] v = new int[n];
                    for (int i = 0; i < n; i++) {
                        v[i] = d.i(p, i);
                    }
                    return v;
                }

                public Kernels kernels() {
                    return k;
                }
            });
        }
        return emu;
    }

    private float[] g(int n, float std) {
        return CudaTesting.gaussian(rnd, n, std);
    }

    private int[] ids(int n, int nExpert, int k) {
        int[] v = new int[n * k];
        for (int t = 0; t < n; t++) {
            java.util.List<Integer> all = new java.util.ArrayList<>();
            for (int e = 0; e < nExpert; e++) {
                all.add(e);
            }
            java.util.Collections.shuffle(all, rnd);
            for (int j = 0; j < k; j++) {
                v[t * k + j] = all.get(j);
            }
        }
        return v;
    }

    @Test
    void normRouterWithSharedGate() {
        int n = 512;
        int nExpert = 60;
        int nTok = 3;
        for (GgmlType t : new GgmlType[]{GgmlType.F32, GgmlType.Q8_0, GgmlType.Q4_K}) {
            float[] h = g(nTok * n, 2f);
            float[] norm = g(n, 1f);
            float[] bias = g(nExpert, 1f);
            float[] shexp = g(n, 0.1f);
            compare(m -> {
                try (Arena a = Arena.ofConfined()) {
                    long wr = m.up(CudaTesting.weights(a, t, new Random(3), nExpert, n));
                    long dh = m.up(h);
                    long xn = m.zeros(4L * nTok * n);
                    long lg = m.zeros(4L * nTok * (nExpert + 1));
                    m.kernels().normRouter(t, dh, n, m.up(norm), 1e-6f, n, wr, m.up(bias), nExpert, m.up(shexp), xn, n,
                            lg, nExpert + 1, nTok);
                    return new Object[]{m.floats(xn, nTok * n), m.floats(lg, nTok * (nExpert + 1))};
                }
            }, 1e-5, "moe_norm_router_" + t);
        }
    }

    @Test
    void expertsSmallBatchAndGrouped() {
        int cols = 256;
        int nFf = 96;
        int nExpert = 16;
        int k = 4;
        int nTok = 19;
        for (GgmlType t : new GgmlType[]{GgmlType.F32, GgmlType.F16, GgmlType.Q4_0, GgmlType.MXFP4, GgmlType.Q6_K}) {
            int[] id = ids(nTok, nExpert, k);
            float[] x = g(nTok * cols, 1f);
            float[] w = g(nTok * k, 0.5f);
            float[] y0 = g(nTok * cols, 1f);
            for (int act : new int[]{Kernels.ACT_SWIGLU, Kernels.ACT_SWIGLU_OAI}) {
                boolean biases = act == Kernels.ACT_SWIGLU_OAI;
                float[] gb = g(nExpert * nFf, 0.1f);
                float[] ub = g(nExpert * nFf, 0.1f);
                float[] db = g(nExpert * cols, 0.1f);
                compare(m -> {
                    try (Arena a = Arena.ofConfined()) {
                        Random wr = new Random(4);
                        long wg = m.up(CudaTesting.weights(a, t, wr, nExpert * nFf, cols));
                        long wu = m.up(CudaTesting.weights(a, t, wr, nExpert * nFf, cols));
                        long wd = m.up(CudaTesting.weights(a, GgmlType.F32, wr, nExpert * cols, nFf));
                        long eb = t.byteSize((long) nFf * cols);
                        long db4 = GgmlType.F32.byteSize((long) cols * nFf);
                        long dx = m.up(x);
                        long di = m.up(id);
                        long dw = m.up(w);
                        long gB = biases ? m.up(gb) : 0;
                        long uB = biases ? m.up(ub) : 0;
                        long dB = biases ? m.up(db) : 0;
                        Kernels kk = m.kernels();
                        // small-batch path
                        long act1 = m.zeros(4L * nTok * k * nFf);
                        long y1 = m.up(y0);
                        kk.gateUp(t, wg, wu, eb, gB, uB, dx, cols, di, k, nTok, nFf, cols, act, 1.702f, 7f, act1);
                        kk.down(GgmlType.F32, wd, db4, dB, act1, di, dw, 0, 0, k, nTok, cols, nFf, y1, cols, 0.5f, true);
                        // grouped path
                        int slots = nTok * k;
                        int maxTiles = Plans.maxTiles(slots, nExpert);
                        long order = m.zeros(4L * maxTiles * Plans.MOE_TILE);
                        long tiles = m.zeros(4L * maxTiles);
                        long nt = m.zeros(4);
                        long act2 = m.zeros(4L * slots * nFf);
                        long so = m.zeros(4L * slots * cols);
                        long y2 = m.up(y0);
                        kk.align(di, slots, nExpert, maxTiles, order, tiles, nt);
                        kk.gateUpGrouped(t, wg, wu, eb, gB, uB, dx, cols, k, order, tiles, nt, maxTiles, nFf, cols, act,
                                1.702f, 7f, act2);
                        kk.downGrouped(GgmlType.F32, wd, db4, dB, act2, order, tiles, nt, maxTiles, cols, nFf, so);
                        kk.combine(so, dw, 0, 0, nTok, k, cols, y2, cols, 0.5f, true);
                        return new Object[]{m.floats(act1, nTok * k * nFf), m.floats(y1, nTok * cols),
                                m.floats(act2, slots * nFf), m.floats(y2, nTok * cols), m.ints(nt, 1)};
                    }
                }, 1e-5, "experts " + t + " act " + act);
            }
        }
    }

    @Test
    void f16CacheStoreAndAttention() {
        int nHead = 8;
        int nHeadKv = 2;
        int d = 64;
        int nCtx = 300;
        int kw = nHeadKv * d;
        int p0 = 250;
        int nTok = 20;
        float[] rows = g(nCtx * kw, 1f);
        float[] vrows = g(nCtx * kw, 1f);
        float[] q = g(nTok * nHead * d, 1f);
        compare(m -> {
            long kc = m.zeros(2L * nCtx * kw);
            long vc = m.zeros(2L * nCtx * kw);
            long pos0 = m.up(new int[]{0});
            Kernels k = m.kernels();
            k.kvStoreF16(m.up(rows), kw, kc, kw, pos0, p0 + nTok, kw);
            k.kvStoreF16(m.up(vrows), kw, vc, kw, pos0, p0 + nTok, kw);
            long dq = m.up(q);
            long pos = m.up(new int[]{p0});
            long out = m.zeros(4L * nTok * nHead * d);
            k.attnPrefill(true, dq, nHead * d, d, kc, kw, vc, kw, pos, nTok, nHead, nHeadKv, d, d, 0.125f, 0, 0, out,
                    nHead * d, d);
            int maxSplit = Plans.maxSplit(nCtx, 0, Plans.ATTN_CHUNK);
            long po = m.zeros(4L * nHead * maxSplit * d);
            long pml = m.zeros(8L * nHead * maxSplit);
            long out1 = m.zeros(4L * nHead * d);
            long last = m.up(new int[]{p0 + nTok - 1});
            k.attnDecodeSplit(true, dq + 4L * (nTok - 1) * nHead * d, d, kc, kw, vc, kw, last, nHead, nHeadKv, d, d,
                    0.125f, 0, Plans.ATTN_CHUNK, maxSplit, po, pml);
            k.attnDecodeCombine(po, pml, 0, nHead, d, maxSplit, out1, d);
            return new Object[]{m.floats(out, nTok * nHead * d), m.floats(out1, nHead * d)};
        }, 1e-5, "f16 KV attention");
    }

    @Test
    void utilKernels() {
        int n = 5000;
        float[] y = g(n, 1f);
        float[] x = g(n, 1f);
        compare(m -> {
            long dy = m.up(y);
            long dx = m.up(x);
            long out = m.zeros(4L * n);
            m.kernels().addScaled(dy, dx, n, -0.75f);
            m.kernels().swiglu(dx, dy, out, n, Kernels.ACT_SWIGLU_OAI, 1.702f, 7f);
            return new Object[]{m.floats(dy, n), m.floats(out, n)};
        }, 1e-6, "util");
    }
}
