package io.github.moe4j.cuda;

import io.github.moe4j.cpu.AttentionParams;
import io.github.moe4j.cpu.AttentionReference;
import io.github.moe4j.cpu.KvStore;
import io.github.moe4j.cpu.Rope;
import io.github.moe4j.cpu.RopeConfig;
import io.github.moe4j.cpu.RopeTable;
import io.github.moe4j.cpu.VectorOps;
import io.github.moe4j.tensor.GgmlType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;

import static io.github.moe4j.cuda.CudaTesting.floats;
import static io.github.moe4j.cuda.CudaTesting.gaussian;
import static io.github.moe4j.cuda.CudaTesting.ints;
import static io.github.moe4j.cuda.CudaTesting.upload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kernel family against the CPU scalar references, on fresh random data (skipped without a GPU).
 * Bounds: dequantisation is bit-identical to the Java formats (ABI.md), so matvecs differ only by
 * summation order: {@code |y - ref| <= 1e-5 * sum_c |w x|} per row, for every weight type. Norms,
 * RoPE and attention: relative 1e-5 of the row's largest magnitude. Embedding rows, expert choices and
 * the align step: exact.
 */
@Tag("cuda")
class CudaKernelsTest {
    private static CudaContext ctx;
    private final Random rnd = new Random(System.nanoTime());

    @BeforeAll
    static void open() {
        ctx = CudaContext.open(CudaTesting.requireDevice());
    }

    @AfterAll
    static void close() {
        if (ctx != null) {
            ctx.close();
        }
    }

    private <T> T run(java.util.function.Function<Kernels, T> body) {
        ctx.bind();
        try (Arena a = Arena.ofConfined()) {
            T t = body.apply(new Kernels(new LaunchSink(ctx, a, null)));
            ctx.synchronize();
            return t;
        }
    }

    private static void close(float[] ref, float[] got, double tol, String what) {
        double max = 0;
        for (float v : ref) {
            max = Math.max(max, Math.abs(v));
        }
        for (int i = 0; i < ref.length; i++) {
            assertTrue(Math.abs(ref[i] - got[i]) <= tol * max + 1e-30,
                    what + "[" + i + "]: " + got[i] + " vs " + ref[i] + " (bound " + tol * max + ")");
        }
    }

    @Test
    void linearEveryTypeAgainstTheScalarDot() {
        int rows = 37;
        int cols = 512;
        int nTok = 3;
        for (GgmlType t : WeightTypes.all()) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment w = CudaTesting.weights(a, t, rnd, rows, cols);
                float[] x = gaussian(rnd, nTok * cols, 1f);
                float[] bias = gaussian(rnd, rows, 1f);
                float[] y0 = gaussian(rnd, nTok * rows, 1f);
                long dw = upload(ctx, w);
                long dx = upload(ctx, x);
                long db = upload(ctx, bias);
                long dy = upload(ctx, y0);
                run(k -> {
                    k.linear(t, dw, 0, db, 0, dx, cols, 0, dy, rows, 0, 0, rows, cols, nTok, 1, 0.5f, true);
                    return null;
                });
                float[] y = floats(ctx, dy, nTok * rows);
                for (int r = 0; r < rows; r++) {
                    float[] wr = CudaTesting.row(w, t, r, cols);
                    for (int tk = 0; tk < nTok; tk++) {
                        double dot = 0;
                        double abs = 0;
                        for (int c = 0; c < cols; c++) {
                            dot += (double) wr[c] * x[tk * cols + c];
                            abs += Math.abs((double) wr[c] * x[tk * cols + c]);
                        }
                        double ref = y0[tk * rows + r] + 0.5 * (dot + bias[r]);
                        double got = y[tk * rows + r];
                        assertTrue(Math.abs(got - ref) <= 1e-5 * (abs + Math.abs(bias[r]) + Math.abs(y0[tk * rows + r])),
                                t + " row " + r + " token " + tk + ": " + got + " vs " + ref);
                    }
                }
            }
        }
    }

    @Test
    void getRowsIsTheExactDequantisation() {
        int rows = 9;
        int cols = 256;
        for (GgmlType t : WeightTypes.all()) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment w = CudaTesting.weights(a, t, rnd, rows, cols);
                int[] ids = {3, 0, 8, 3};
                long dw = upload(ctx, w);
                long di = upload(ctx, ids);
                long out = ctx.allocate(4L * ids.length * cols, "rows").address();
                run(k -> {
                    k.getRows(t, dw, di, ids.length, cols, out, cols, 0.75f);
                    return null;
                });
                float[] got = floats(ctx, out, ids.length * cols);
                for (int i = 0; i < ids.length; i++) {
                    float[] ref = CudaTesting.row(w, t, ids[i], cols);
                    for (int c = 0; c < cols; c++) {
                        assertEquals(ref[c] * 0.75f, got[i * cols + c], t + " row " + ids[i] + " col " + c);
                    }
                }
            }
        }
    }

    @Test
    void rmsnormRows() {
        int n = 2880;
        int nRows = 3;
        float[] x = gaussian(rnd, n * nRows, 3f);
        float[] w = gaussian(rnd, n, 1f);
        long dx = upload(ctx, x);
        long dw = upload(ctx, w);
        long dy = ctx.allocate(4L * n * nRows, "y").address();
        run(k -> {
            k.rmsnorm(dx, n, dw, dy, n, 0, n, nRows, 1e-6f);
            return null;
        });
        float[] got = floats(ctx, dy, n * nRows);
        float[] ref = new float[n * nRows];
        for (int r = 0; r < nRows; r++) {
            VectorOps.rmsNorm(x, r * n, w, 0, ref, r * n, n, 1e-6f);
        }
        close(ref, got, 1e-5, "rmsnorm");
    }

    @Test
    void ropeBothStylesAtDevicePositions() {
        int nHead = 4;
        int dk = 64;
        int nTok = 3;
        int p0 = 17;
        for (RopeConfig.Style style : RopeConfig.Style.values()) {
            RopeConfig cfg = RopeConfig.plain(style, dk, 10_000f);
            RopeTable table = new RopeTable(cfg, 64);
            float[] cos = new float[64 * dk / 2];
            float[] sin = new float[64 * dk / 2];
            for (int p = 0; p < 64; p++) {
                for (int i = 0; i < dk / 2; i++) {
                    cos[p * dk / 2 + i] = table.cos(p, i);
                    sin[p * dk / 2 + i] = table.sin(p, i);
                }
            }
            float[] x = gaussian(rnd, nTok * nHead * dk, 1f);
            long dx = upload(ctx, x);
            long dc = upload(ctx, cos);
            long ds = upload(ctx, sin);
            long dp = upload(ctx, new int[]{p0});
            run(k -> {
                k.rope(dx, nHead * dk, dk, dx, nHead * dk, dk, false, dc, ds, dp, nTok, nHead, dk, dk,
                        style == RopeConfig.Style.NEOX, 0, 1e-6f);
                return null;
            });
            float[] got = floats(ctx, dx, x.length);
            float[] ref = x.clone();
            Rope.applyBatch(table, ref, 0, nTok, nHead * dk, nHead, dk, p0);
            close(ref, got, 1e-6, "rope " + style);
        }
    }

    @Test
    void decodeAttentionSplitsMatchTheReference() {
        int nHead = 8;
        int nHeadKv = 2;
        int d = 64;
        int nCtx = 700;
        int pos = 650;
        for (int window : new int[]{0, 128}) {
            for (boolean sinks : new boolean[]{false, true}) {
                KvStore.F32 kc = KvStore.allocateF32(nCtx, nHeadKv, d);
                KvStore.F32 vc = KvStore.allocateF32(nCtx, nHeadKv, d);
                for (int p = 0; p <= pos; p++) {
                    kc.store(p, gaussian(rnd, nHeadKv * d, 1f), 0);
                    vc.store(p, gaussian(rnd, nHeadKv * d, 1f), 0);
                }
                float[] q = gaussian(rnd, nHead * d, 1f);
                float[] sk = sinks ? gaussian(rnd, nHead, 1f) : null;
                float scale = 0.125f;
                AttentionParams params = new AttentionParams(scale, sk, window);
                float[] ref = new float[nHead * d];
                AttentionReference.attend(q, 0, nHead, kc, vc, pos, params, ref, 0);
                int maxSplit = Plans.maxSplit(nCtx, window, Plans.ATTN_CHUNK);
                long dq = upload(ctx, q);
                long dk = upload(ctx, kc.data());
                long dv = upload(ctx, vc.data());
                long dp = upload(ctx, new int[]{pos});
                long ds = sk == null ? 0 : upload(ctx, sk);
                long po = ctx.allocate(4L * nHead * maxSplit * d, "partO").address();
                long pml = ctx.allocate(8L * nHead * maxSplit, "partML").address();
                long out = ctx.allocate(4L * nHead * d, "out").address();
                run(k -> {
                    k.attnDecodeSplit(dq, d, dk, nHeadKv * d, dv, nHeadKv * d, dp, nHead, nHeadKv, d, d, scale, window,
                            Plans.ATTN_CHUNK, maxSplit, po, pml);
                    k.attnDecodeCombine(po, pml, ds, nHead, d, maxSplit, out, d);
                    return null;
                });
                close(ref, floats(ctx, out, nHead * d), 1e-5, "attention window " + window + " sinks " + sinks);
            }
        }
    }

    @Test
    void prefillAttentionMatchesTheReference() {
        int nHead = 4;
        int nHeadKv = 4;
        int d = 128;
        int nCtx = 300;
        int p0 = 200;
        int nTok = 40;
        KvStore.F32 kc = KvStore.allocateF32(nCtx, nHeadKv, d);
        KvStore.F32 vc = KvStore.allocateF32(nCtx, nHeadKv, d);
        for (int p = 0; p < p0 + nTok; p++) {
            kc.store(p, gaussian(rnd, nHeadKv * d, 1f), 0);
            vc.store(p, gaussian(rnd, nHeadKv * d, 1f), 0);
        }
        float[] q = gaussian(rnd, nTok * nHead * d, 1f);
        AttentionParams params = AttentionParams.of(0.09f);
        float[] ref = new float[nTok * nHead * d];
        AttentionReference.attendBatch(q, 0, nTok, p0, nHead, kc, vc, params, ref, 0);
        long dq = upload(ctx, q);
        long dk = upload(ctx, kc.data());
        long dv = upload(ctx, vc.data());
        long dp = upload(ctx, new int[]{p0});
        long out = ctx.allocate(4L * ref.length, "out").address();
        run(k -> {
            k.attnPrefill(dq, nHead * d, d, dk, nHeadKv * d, dv, nHeadKv * d, dp, nTok, nHead, nHeadKv, d, d, 0.09f, 0, 0,
                    out, nHead * d, d);
            return null;
        });
        close(ref, floats(ctx, out, ref.length), 1e-5, "prefill attention");
    }

    @Test
    void alignMatchesTheJavaReference() {
        for (int trial = 0; trial < 20; trial++) {
            int nExpert = 1 + rnd.nextInt(256);
            int k = 1 + rnd.nextInt(Math.min(8, nExpert));
            int nSlots = k * (1 + rnd.nextInt(512));
            int[] ids = new int[nSlots];
            for (int s = 0; s < nSlots; s++) {
                ids[s] = rnd.nextInt(nExpert);
            }
            MoeAlign ref = MoeAlign.of(ids, nSlots, nExpert);
            int maxTiles = Plans.maxTiles(nSlots, nExpert);
            long di = upload(ctx, ids);
            long order = ctx.allocate(4L * maxTiles * Plans.MOE_TILE, "order").address();
            long tiles = ctx.allocate(4L * maxTiles, "tiles").address();
            long n = ctx.allocate(4, "n").address();
            run(kk -> {
                kk.align(di, nSlots, nExpert, maxTiles, order, tiles, n);
                return null;
            });
            int nTiles = ints(ctx, n, 1)[0];
            assertNull(ref.compare(ints(ctx, order, maxTiles * Plans.MOE_TILE), ints(ctx, tiles, maxTiles), nTiles));
        }
    }

    @Test
    void softmaxRoutingChoosesTheTopExperts() {
        int nExpert = 128;
        int k = 8;
        int nTok = 5;
        int stride = nExpert + 1;
        float[] logits = gaussian(rnd, nTok * stride, 2f);
        long dl = upload(ctx, logits);
        long ids = ctx.allocate(4L * nTok * k, "ids").address();
        long w = ctx.allocate(4L * nTok * k, "w").address();
        run(kk -> {
            kk.route(dl, stride, 0, nTok, nExpert, k, Kernels.GATING_SOFTMAX, true, 0f, 1, 1, ids, w);
            return null;
        });
        int[] gotIds = ints(ctx, ids, nTok * k);
        float[] gotW = floats(ctx, w, nTok * k);
        for (int t = 0; t < nTok; t++) {
            float[] p = java.util.Arrays.copyOfRange(logits, t * stride, t * stride + nExpert);
            float max = Float.NEGATIVE_INFINITY;
            for (float v : p) {
                max = Math.max(max, v);
            }
            double sum = 0;
            for (int i = 0; i < nExpert; i++) {
                p[i] = (float) Math.exp(p[i] - max);
                sum += p[i];
            }
            Integer[] order = new Integer[nExpert];
            for (int i = 0; i < nExpert; i++) {
                order[i] = i;
            }
            final float[] pp = p;
            java.util.Arrays.sort(order, (a, b) -> pp[b] != pp[a] ? Float.compare(pp[b], pp[a]) : Integer.compare(a, b));
            float chosen = 0;
            for (int j = 0; j < k; j++) {
                chosen += (float) (p[order[j]] / sum);
            }
            int[] refIds = new int[k];
            float[] refW = new float[k];
            for (int j = 0; j < k; j++) {
                refIds[j] = order[j];
                refW[j] = (float) (p[order[j]] / sum) / chosen;
            }
            assertArrayEquals(refIds, java.util.Arrays.copyOfRange(gotIds, t * k, t * k + k), "token " + t);
            close(refW, java.util.Arrays.copyOfRange(gotW, t * k, t * k + k), 1e-5, "weights of token " + t);
        }
    }
}
