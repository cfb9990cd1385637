package io.github.moe4j.cuda;

import io.github.moe4j.cpu.ScalarOps;
import io.github.moe4j.quant.BlockFormats;
import io.github.moe4j.tensor.GgmlType;
import io.github.moe4j.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A plain-Java model of the device for tests without a GPU: device memory is one host segment (addresses
 * are offsets from {@link #BASE}), and each kernel of ABI.md is executed as its text specifies, in scalar
 * Java. Running {@link DecoderStep}'s launches here checks the Java side (argument order, strides,
 * buffers, positions) against the CPU decoder; it says nothing about the CUDA kernels themselves.
 */
final class EmulatedDevice implements DeviceMemory, KernelSink, Gpu {
    static final long BASE = 1L << 40;
    private static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED;

    private final MemorySegment mem;
    private final Map<String, GgmlType> suffixes = new java.util.HashMap<>();
    private final java.util.Map<String, Long> tensors = new java.util.HashMap<>();
    private long top;
    BiConsumer<Integer, Integer> hostExperts;
    int launches;

    EmulatedDevice(Arena arena, long bytes) {
        this.mem = arena.allocate(bytes, 256);
        for (GgmlType t : WeightTypes.all()) {
            suffixes.put(WeightTypes.suffix(t), t);
        }
    }

    // ---------------------------------------------------------------- memory

    @Override
    public long tensor(Tensor t) {
        Long p = tensors.get(t.name());
        if (p == null) {
            p = alloc(t.byteSize(), t.name());
            MemorySegment.copy(t.data(), 0, mem, p - BASE, t.byteSize());
            tensors.put(t.name(), p);
        }
        return p;
    }

    @Override
    public long floats(float[] v, String what) {
        if (v == null) {
            return 0;
        }
        long p = alloc(4L * v.length, what);
        MemorySegment.copy(v, 0, mem, F, p - BASE, v.length);
        return p;
    }

    @Override
    public long alloc(long bytes, String what) {
        long p = BASE + top;
        top += (bytes + 255) / 256 * 256;
        if (top > mem.byteSize()) {
            throw new IllegalStateException("emulated device memory full at " + what);
        }
        return p;
    }

    /** A device copy of raw bytes. */
    long bytes(MemorySegment b) {
        long p = alloc(b.byteSize(), "bytes");
        MemorySegment.copy(b, 0, mem, p - BASE, b.byteSize());
        return p;
    }

    float f(long p, long i) {
        return mem.get(F, p - BASE + 4 * i);
    }

    void f(long p, long i, float v) {
        mem.set(F, p - BASE + 4 * i, v);
    }

    int i(long p, long i) {
        return mem.get(I, p - BASE + 4 * i);
    }

    void i(long p, long i, int v) {
        mem.set(I, p - BASE + 4 * i, v);
    }

    float[] floats(long p, int n) {
        float[] v = new float[n];
        MemorySegment.copy(mem, F, p - BASE, v, 0, n);
        return v;
    }

    void put(long p, float[] v) {
        MemorySegment.copy(v, 0, mem, F, p - BASE, v.length);
    }

    /** Row {@code r} of a {@code type} matrix of {@code cols} at {@code w}, dequantised. */
    private float[] row(GgmlType t, long w, long r, int cols) {
        float[] out = new float[cols];
        BlockFormats.of(t).dequantize(mem, w - BASE + r * t.byteSize(cols), out, 0, cols);
        return out;
    }

    private float dot(GgmlType t, long w, long r, int cols, long x, long xOff) {
        float[] wr = row(t, w, r, cols);
        float s = 0;
        for (int c = 0; c < cols; c++) {
            s += wr[c] * f(x, xOff + c);
        }
        return s;
    }

    // ---------------------------------------------------------------- Gpu: everything runs at once, in order

    @Override
    public void bind() {
    }

    @Override
    public boolean isClosed() {
        return false;
    }

    @Override
    public Gpu.Allocator allocator() {
        EmulatedDevice d = this;
        return new Gpu.Allocator() {
            long n;

            @Override
            public long tensor(Tensor t) {
                return d.tensor(t);
            }

            @Override
            public long floats(float[] v, String what) {
                n += v == null ? 0 : 4L * v.length;
                return d.floats(v, what);
            }

            @Override
            public long alloc(long bytes, String what) {
                n += bytes;
                return d.alloc(bytes, what);
            }

            @Override
            public void freeAll() {
            }

            @Override
            public long bytes() {
                return n;
            }
        };
    }

    @Override
    public Gpu.HostBuffer hostBuffer(long bytes) {
        MemorySegment s = Arena.ofAuto().allocate(bytes, 16);
        return new Gpu.HostBuffer() {
            @Override
            public MemorySegment segment() {
                return s;
            }

            @Override
            public void close() {
            }
        };
    }

    @Override
    public void copyToDevice(long dst, MemorySegment src) {
        MemorySegment.copy(src, 0, mem, dst - BASE, src.byteSize());
    }

    @Override
    public void copyToHost(MemorySegment dst, long src) {
        MemorySegment.copy(mem, src - BASE, dst, 0, dst.byteSize());
    }

    @Override
    public void synchronize() {
    }

    int hostSteps;
    int replays;

    @Override
    public KernelSink sink(Arena arena, BiConsumer<Integer, Integer> host) {
        EmulatedDevice d = this;
        return new KernelSink() {
            @Override
            public void launch(String module, String function, LaunchConfig config, KernelArgs.Builder args) {
                d.launch(module, function, config, args);
            }

            @Override
            public void hostExperts(int layer, int nTok) {
                hostSteps++;
                host.accept(layer, nTok);
            }
        };
    }

    /** A "graph": the body, run again on each launch (as a replay runs the recorded launches). */
    @Override
    public Gpu.Graph capture(java.util.function.ToIntFunction<KernelSink> body) {
        EmulatedDevice d = this;
        int[] n = {-1};
        return new Gpu.Graph() {
            @Override
            public void launch() {
                replays++;
                n[0] = body.applyAsInt(d.sink(null, (l, t) -> {
                    throw new IllegalStateException("host step in a graph");
                }));
            }

            @Override
            public int launches() {
                return n[0];
            }

            @Override
            public void close() {
            }
        };
    }

    // ---------------------------------------------------------------- kernels

    @Override
    public void hostExperts(int layer, int nTok) {
        hostExperts.accept(layer, nTok);
    }

    @Override
    public void launch(String module, String function, LaunchConfig l, KernelArgs.Builder b) {
        launches++;
        try (Arena a = Arena.ofConfined()) {
            KernelArgs args = b.build(a);
            A p = new A(args);
            String name = function;
            GgmlType t = null;
            for (String prefix : new String[]{"linear_qkv_", "linear_", "get_rows_", "moe_norm_router_", "moe_gate_up_grouped_",
                    "moe_down_grouped_", "moe_gate_up_", "moe_down_"}) {
                GgmlType st = function.startsWith(prefix) ? suffixes.get(function.substring(prefix.length())) : null;
                if (st != null) {
                    name = prefix.substring(0, prefix.length() - 1);
                    t = st;
                    break;
                }
            }
            switch (name) {
                case "linear" -> linear(t, p, l.gridZ());
                case "linear_qkv" -> qkv(t, p);
                case "get_rows" -> getRows(t, p);
                case "rmsnorm" -> rmsnorm(p);
                case "rope" -> rope(p);
                case "attn_decode_split" -> split(p, false);
                case "attn_decode_split_f16" -> split(p, true);
                case "attn_decode_combine" -> combine(p);
                case "attn_prefill" -> prefill(p, false);
                case "attn_prefill_f16" -> prefill(p, true);
                case "kv_store_f16" -> {
                    long src = p.l(0), dst = p.l(2), pos = p.l(4);
                    int sTok = p.i(1), dTok = p.i(3), nTok = p.i(5), n = p.i(6);
                    for (int tk = 0; tk < nTok; tk++) {
                        for (int c = 0; c < n; c++) {
                            mem.set(ValueLayout.JAVA_SHORT_UNALIGNED, dst - BASE + 2L * (((long) i(pos, 0) + tk) * dTok + c),
                                    Float.floatToFloat16(f(src, (long) tk * sTok + c)));
                        }
                    }
                }
                case "moe_norm_router" -> normRouter(t, p);
                case "moe_route" -> route(p);
                case "moe_gate_up" -> gateUp(t, p);
                case "moe_down" -> down(t, p);
                case "moe_align" -> align(p);
                case "moe_gate_up_grouped" -> gateUpGrouped(t, p);
                case "moe_down_grouped" -> downGrouped(t, p);
                case "moe_combine" -> moeCombine(p);
                case "swiglu_f32" -> {
                    long n = p.l(3);
                    for (long k = 0; k < n; k++) {
                        f(p.l(2), k, act(p.i(4), f(p.l(0), k), f(p.l(1), k), p.f(5), p.f(6)));
                    }
                }
                case "add_scaled_f32" -> {
                    long n = p.l(2);
                    for (long k = 0; k < n; k++) {
                        f(p.l(0), k, f(p.l(0), k) + p.f(3) * f(p.l(1), k));
                    }
                }
                default -> throw new IllegalArgumentException("no emulation of " + function);
            }
        }
    }

    /** Reads the packed arguments back by index. */
    private record A(KernelArgs a) {
        long l(int i) {
            return a.segment().get(ValueLayout.JAVA_LONG, a.valueOffset(i));
        }

        int i(int i) {
            return a.segment().get(ValueLayout.JAVA_INT, a.valueOffset(i));
        }

        float f(int i) {
            return a.segment().get(ValueLayout.JAVA_FLOAT, a.valueOffset(i));
        }
    }

    private void linear(GgmlType t, A p, int nBatch) {
        long w = p.l(0), wBatch = p.l(1), bias = p.l(2), x = p.l(4), y = p.l(7), yPos = p.l(10);
        int biasStride = p.i(3), xTok = p.i(5), xBatch = p.i(6), yTok = p.i(8), yBatch = p.i(9);
        int rows = p.i(11), cols = p.i(12), nTok = p.i(13), acc = p.i(15);
        float alpha = p.f(14);
        for (int b = 0; b < nBatch; b++) {
            for (int tk = 0; tk < nTok; tk++) {
                long yrow = yPos != 0 ? i(yPos, 0) + tk : tk;
                long yt = (long) b * yBatch + yrow * yTok;
                for (int r = 0; r < rows; r++) {
                    float d = dot(t, w + b * wBatch, r, cols, x, (long) b * xBatch + (long) tk * xTok);
                    float v = alpha * (d + (bias != 0 ? f(bias, (long) b * biasStride + r) : 0f));
                    f(y, yt + r, (acc != 0 ? f(y, yt + r) : 0f) + v);
                }
            }
        }
    }

    private void qkv(GgmlType t, A p) {
        long x = p.l(6), yvPos = p.l(14);
        int xTok = p.i(7), cols = p.i(18), nTok = p.i(19);
        for (int m = 0; m < 3; m++) {
            long w = p.l(m), bias = p.l(3 + m), y = p.l(8 + 2 * m);
            int yTok = p.i(9 + 2 * m), rows = p.i(15 + m);
            for (int tk = 0; tk < nTok; tk++) {
                long yrow = m == 2 && yvPos != 0 ? i(yvPos, 0) + tk : tk;
                for (int r = 0; r < rows; r++) {
                    f(y, yrow * yTok + r, dot(t, w, r, cols, x, (long) tk * xTok) + (bias != 0 ? f(bias, r) : 0f));
                }
            }
        }
    }

    private void getRows(GgmlType t, A p) {
        long w = p.l(0), ids = p.l(1), out = p.l(4);
        int nTok = p.i(2), cols = p.i(3), stride = p.i(5);
        float scale = p.f(6);
        for (int tk = 0; tk < nTok; tk++) {
            float[] r = row(t, w, i(ids, tk), cols);
            for (int c = 0; c < cols; c++) {
                f(out, (long) tk * stride + c, r[c] * scale);
            }
        }
    }

    private void rmsnorm(A p) {
        long x = p.l(0), w = p.l(2), y = p.l(3), yPos = p.l(5);
        int xStride = p.i(1), yStride = p.i(4), n = p.i(6), nRows = p.i(7);
        float eps = p.f(8);
        for (int r = 0; r < nRows; r++) {
            float[] v = floats(x + 4L * r * xStride, n);
            float[] wv = w != 0 ? floats(w, n) : null;
            float[] o = new float[n];
            if (wv == null) {
                wv = new float[n];
                java.util.Arrays.fill(wv, 1f);
            }
            ScalarOps.rmsNorm(v, 0, wv, 0, o, 0, n, eps);
            long row = yPos != 0 ? i(yPos, 0) + r : r;
            put(y + 4L * row * yStride, o);
        }
    }

    private void rope(A p) {
        long src = p.l(0), dst = p.l(3), cos = p.l(7), sin = p.l(8), pos = p.l(9), normW = p.l(15);
        int sTok = p.i(1), sHead = p.i(2), dTok = p.i(4), dHead = p.i(5), byPos = p.i(6);
        int nTok = p.i(10), nHead = p.i(11), nRot = p.i(12), hd = p.i(13), neox = p.i(14);
        float eps = p.f(16);
        for (int tk = 0; tk < nTok; tk++) {
            int ps = i(pos, 0) + tk;
            for (int h = 0; h < nHead; h++) {
                float[] x = floats(src + 4L * ((long) tk * sTok + (long) h * sHead), hd);
                if (normW != 0) {
                    ScalarOps.rmsNorm(x, 0, floats(normW, hd), 0, x, 0, hd, eps);
                }
                int half = nRot / 2;
                for (int q = 0; q < half; q++) {
                    int i0 = neox != 0 ? q : 2 * q;
                    int i1 = neox != 0 ? q + half : 2 * q + 1;
                    float c = f(cos, (long) ps * half + q);
                    float s = f(sin, (long) ps * half + q);
                    float x0 = x[i0];
                    float x1 = x[i1];
                    x[i0] = x0 * c - x1 * s;
                    x[i1] = x0 * s + x1 * c;
                }
                long r = byPos != 0 ? ps : tk;
                put(dst + 4L * (r * dTok + (long) h * dHead), x);
            }
        }
    }

    /** Scores of query {@code q} against keys {@code [lo, hi)}, softmax parts (m, l, o). */
    private float kv(boolean half, long p, long i) {
        return half ? Float.float16ToFloat(mem.get(ValueLayout.JAVA_SHORT_UNALIGNED, p - BASE + 2 * i)) : f(p, i);
    }

    private float[] part(boolean half, long q, long k, long kStride, long v, long vStride, int kvh, int dk, int dv,
                         float scale, int lo, int hi) {
        float m = Float.NEGATIVE_INFINITY;
        float[] s = new float[Math.max(0, hi - lo)];
        for (int j = lo; j < hi; j++) {
            float d = 0;
            for (int c = 0; c < dk; c++) {
                d += f(q, c) * kv(half, k, j * kStride + (long) kvh * dk + c);
            }
            s[j - lo] = scale * d;
            m = Math.max(m, s[j - lo]);
        }
        float[] out = new float[2 + dv];
        out[0] = m;
        for (int j = lo; j < hi; j++) {
            float e = (float) Math.exp(s[j - lo] - m);
            out[1] += e;
            for (int c = 0; c < dv; c++) {
                out[2 + c] += e * kv(half, v, j * vStride + (long) kvh * dv + c);
            }
        }
        return out;
    }

    private void split(A p, boolean half) {
        long q = p.l(0), k = p.l(2), kStride = p.l(3), v = p.l(4), vStride = p.l(5), pos = p.l(6);
        long partO = p.l(15), partML = p.l(16);
        int qHead = p.i(1), nHead = p.i(7), nHeadKv = p.i(8), dk = p.i(9), dv = p.i(10), window = p.i(12);
        int chunk = p.i(13), maxSplit = p.i(14);
        float scale = p.f(11);
        int i = i(pos, 0);
        int lo = window != 0 ? Math.max(0, i - window + 1) : 0;
        for (int h = 0; h < nHead; h++) {
            int kvh = h / (nHead / nHeadKv);
            for (int s = 0; s < maxSplit; s++) {
                int a = lo + s * chunk;
                int b = Math.min(lo + (s + 1) * chunk, i + 1);
                float[] r = part(half, q + 4L * h * qHead, k, kStride, v, vStride, kvh, dk, dv, scale, a, Math.max(a, b));
                f(partML, ((long) h * maxSplit + s) * 2, r[0]);
                f(partML, ((long) h * maxSplit + s) * 2 + 1, r[1]);
                for (int c = 0; c < dv; c++) {
                    f(partO, ((long) h * maxSplit + s) * dv + c, r[2 + c]);
                }
            }
        }
    }

    private void combine(A p) {
        long partO = p.l(0), partML = p.l(1), sinks = p.l(2), out = p.l(6);
        int nHead = p.i(3), dv = p.i(4), maxSplit = p.i(5), outHead = p.i(7);
        for (int h = 0; h < nHead; h++) {
            float m = sinks != 0 ? f(sinks, h) : Float.NEGATIVE_INFINITY;
            for (int s = 0; s < maxSplit; s++) {
                m = Math.max(m, f(partML, ((long) h * maxSplit + s) * 2));
            }
            double l = sinks != 0 ? Math.exp(f(sinks, h) - m) : 0;
            float[] o = new float[dv];
            for (int s = 0; s < maxSplit; s++) {
                float ms = f(partML, ((long) h * maxSplit + s) * 2);
                if (ms == Float.NEGATIVE_INFINITY) {
                    continue;
                }
                float e = (float) Math.exp(ms - m);
                l += f(partML, ((long) h * maxSplit + s) * 2 + 1) * e;
                for (int c = 0; c < dv; c++) {
                    o[c] += f(partO, ((long) h * maxSplit + s) * dv + c) * e;
                }
            }
            for (int c = 0; c < dv; c++) {
                f(out, (long) h * outHead + c, (float) (o[c] / l));
            }
        }
    }

    private void prefill(A p, boolean half) {
        long q = p.l(0), k = p.l(3), kStride = p.l(4), v = p.l(5), vStride = p.l(6), pos = p.l(7);
        long sinks = p.l(15), out = p.l(16);
        int qTok = p.i(1), qHead = p.i(2), nTok = p.i(8), nHead = p.i(9), nHeadKv = p.i(10), dk = p.i(11), dv = p.i(12);
        int window = p.i(14), oTok = p.i(17), oHead = p.i(18);
        float scale = p.f(13);
        for (int tk = 0; tk < nTok; tk++) {
            int i = i(pos, 0) + tk;
            int lo = window != 0 ? Math.max(0, i - window + 1) : 0;
            for (int h = 0; h < nHead; h++) {
                int kvh = h / (nHead / nHeadKv);
                float[] r = part(half, q + 4L * ((long) tk * qTok + (long) h * qHead), k, kStride, v, vStride, kvh, dk, dv,
                        scale, lo, i + 1);
                float m = r[0];
                double l = r[1];
                float scaleO = 1f;
                if (sinks != 0) {
                    float sk = f(sinks, h);
                    float mm = Math.max(m, sk);
                    scaleO = (float) Math.exp(m - mm);
                    l = l * scaleO + Math.exp(sk - mm);
                }
                for (int c = 0; c < dv; c++) {
                    f(out, (long) tk * oTok + (long) h * oHead + c, (float) (r[2 + c] * scaleO / l));
                }
            }
        }
    }

    private void normRouter(GgmlType t, A p) {
        long h = p.l(0), normW = p.l(2), wr = p.l(5), rBias = p.l(6), shexp = p.l(8), xn = p.l(9), logits = p.l(11);
        int hStride = p.i(1), n = p.i(4), nExpert = p.i(7), xnStride = p.i(10), ls = p.i(12), nTok = p.i(13);
        float eps = p.f(3);
        for (int tk = 0; tk < nTok; tk++) {
            float[] x = floats(h + 4L * tk * hStride, n);
            float[] o = new float[n];
            ScalarOps.rmsNorm(x, 0, floats(normW, n), 0, o, 0, n, eps);
            put(xn + 4L * tk * xnStride, o);
            for (int e = 0; e < nExpert; e++) {
                f(logits, (long) tk * ls + e, dot(t, wr, e, n, xn, (long) tk * xnStride)
                        + (rBias != 0 ? f(rBias, e) : 0f));
            }
            if (shexp != 0) {
                float d = 0;
                for (int c = 0; c < n; c++) {
                    d += f(shexp, c) * o[c];
                }
                f(logits, (long) tk * ls + nExpert, d);
            }
        }
    }

    private void route(A p) {
        long logits = p.l(0), selBias = p.l(2), ids = p.l(11), weights = p.l(12);
        int ls = p.i(1), nTok = p.i(3), nExpert = p.i(4), k = p.i(5), gating = p.i(6), normalize = p.i(7);
        int nGroup = p.i(9);
        float wScale = p.f(8);
        int nGroupUsed = p.i(10);
        for (int tk = 0; tk < nTok; tk++) {
            float[] x = floats(logits + 4L * tk * ls, nExpert);
            float[] prob = x.clone();
            if (gating == Kernels.GATING_SOFTMAX) {
                ScalarOps.softmax(prob, 0, nExpert);
            } else if (gating == Kernels.GATING_SIGMOID) {
                ScalarOps.sigmoid(prob, 0, prob, 0, nExpert);
            }
            float[] sel = prob.clone();
            if (gating != Kernels.GATING_SOFTMAX_WEIGHT) {
                if (selBias != 0) {
                    for (int e = 0; e < nExpert; e++) {
                        sel[e] += f(selBias, e);
                    }
                }
                if (nGroup > 1) {
                    int per = nExpert / nGroup;
                    float[] gs = new float[nGroup];
                    for (int gi = 0; gi < nGroup; gi++) {
                        float best = Float.NEGATIVE_INFINITY;
                        float second = Float.NEGATIVE_INFINITY;
                        for (int e = gi * per; e < (gi + 1) * per; e++) {
                            if (sel[e] > best) {
                                second = best;
                                best = sel[e];
                            } else if (sel[e] > second) {
                                second = sel[e];
                            }
                        }
                        gs[gi] = per == 1 ? best : best + second;
                    }
                    boolean[] keep = new boolean[nGroup];
                    for (int j = 0; j < nGroupUsed; j++) {
                        int bg = -1;
                        for (int gi = 0; gi < nGroup; gi++) {
                            if (!keep[gi] && (bg < 0 || gs[gi] > gs[bg])) {
                                bg = gi;
                            }
                        }
                        keep[bg] = true;
                    }
                    for (int e = 0; e < nExpert; e++) {
                        if (!keep[e / per]) {
                            sel[e] = Float.NEGATIVE_INFINITY;
                        }
                    }
                }
            }
            boolean[] taken = new boolean[nExpert];
            float[] w = new float[k];
            for (int j = 0; j < k; j++) {
                int best = -1;
                for (int e = 0; e < nExpert; e++) {
                    if (!taken[e] && (best < 0 || sel[e] > sel[best])) {
                        best = e;
                    }
                }
                taken[best] = true;
                i(ids, (long) tk * k + j, best);
                w[j] = prob[best];
            }
            if (gating == Kernels.GATING_SOFTMAX_WEIGHT) {
                ScalarOps.softmax(w, 0, k);
            }
            if (normalize != 0) {
                float sum = 0;
                for (float v : w) {
                    sum += v;
                }
                sum = Math.max(sum, 6.103515625e-5f);
                for (int j = 0; j < k; j++) {
                    w[j] /= sum;
                }
            }
            for (int j = 0; j < k; j++) {
                f(weights, (long) tk * k + j, wScale != 0f && wScale != 1f ? w[j] * wScale : w[j]);
            }
        }
    }

    private float act(int act, float g, float u, float alpha, float limit) {
        float[] o = new float[1];
        if (act == Kernels.ACT_SWIGLU) {
            ScalarOps.swiglu(new float[]{g}, 0, new float[]{u}, 0, o, 0, 1);
        } else {
            ScalarOps.swigluOai(new float[]{g}, 0, new float[]{u}, 0, o, 0, 1, alpha, limit);
        }
        return o[0];
    }

    private void gateUp(GgmlType t, A p) {
        long wg = p.l(0), wu = p.l(1), eb = p.l(2), gB = p.l(3), uB = p.l(4), x = p.l(5), ids = p.l(7), out = p.l(15);
        int xStride = p.i(6), k = p.i(8), nTok = p.i(9), nFf = p.i(10), cols = p.i(11), a = p.i(12);
        float alpha = p.f(13), limit = p.f(14);
        for (int tk = 0; tk < nTok; tk++) {
            for (int j = 0; j < k; j++) {
                int e = ids != 0 ? i(ids, (long) tk * k + j) : 0;
                gateUpRow(t, wg, wu, eb, gB, uB, x, (long) tk * xStride, e, nFf, cols, a, alpha, limit, out,
                        ((long) tk * k + j) * nFf);
            }
        }
    }

    private void gateUpRow(GgmlType t, long wg, long wu, long eb, long gB, long uB, long x, long xOff, int e, int nFf,
                           int cols, int a, float alpha, float limit, long out, long outOff) {
        for (int r = 0; r < nFf; r++) {
            float g = dot(t, wg + e * eb, r, cols, x, xOff) + (gB != 0 ? f(gB, (long) e * nFf + r) : 0f);
            float u = dot(t, wu + e * eb, r, cols, x, xOff) + (uB != 0 ? f(uB, (long) e * nFf + r) : 0f);
            f(out, outOff + r, act(a, g, u, alpha, limit));
        }
    }

    private void down(GgmlType t, A p) {
        long wd = p.l(0), eb = p.l(1), dB = p.l(2), actv = p.l(3), ids = p.l(4), weights = p.l(5), sgate = p.l(6);
        long y = p.l(12);
        int sgStride = p.i(7), k = p.i(8), nTok = p.i(9), rows = p.i(10), cols = p.i(11), yStride = p.i(13), acc = p.i(15);
        float alpha = p.f(14);
        for (int tk = 0; tk < nTok; tk++) {
            float g = 1f;
            if (sgate != 0) {
                g = 1f / (1f + (float) Math.exp(-f(sgate, (long) tk * sgStride)));
            }
            for (int r = 0; r < rows; r++) {
                float sum = 0;
                for (int j = 0; j < k; j++) {
                    int e = ids != 0 ? i(ids, (long) tk * k + j) : 0;
                    float w = weights != 0 ? f(weights, (long) tk * k + j) : 1f;
                    sum += w * (dot(t, wd + e * eb, r, cols, actv, ((long) tk * k + j) * cols)
                            + (dB != 0 ? f(dB, (long) e * rows + r) : 0f));
                }
                long at = (long) tk * yStride + r;
                f(y, at, (acc != 0 ? f(y, at) : 0f) + alpha * g * sum);
            }
        }
    }

    private void align(A p) {
        long ids = p.l(0), order = p.l(4), tiles = p.l(5), nTiles = p.l(6);
        int nSlots = p.i(1), nExpert = p.i(2);
        int[] v = new int[nSlots];
        for (int s = 0; s < nSlots; s++) {
            v[s] = i(ids, s);
        }
        MoeAlign a = MoeAlign.of(v, nSlots, nExpert);
        for (int r = 0; r < a.rows(); r++) {
            i(order, r, a.slotOrder()[r]);
        }
        for (int t = 0; t < a.nTiles(); t++) {
            i(tiles, t, a.tileExpert()[t]);
        }
        i(nTiles, 0, a.nTiles());
    }

    private void gateUpGrouped(GgmlType t, A p) {
        long wg = p.l(0), wu = p.l(1), eb = p.l(2), gB = p.l(3), uB = p.l(4), x = p.l(5);
        long order = p.l(8), tiles = p.l(9), nTiles = p.l(10), out = p.l(16);
        int xStride = p.i(6), k = p.i(7), nFf = p.i(11), cols = p.i(12), a = p.i(13);
        float alpha = p.f(14), limit = p.f(15);
        for (int tile = 0; tile < i(nTiles, 0); tile++) {
            int e = i(tiles, tile);
            for (int r = 0; r < Plans.MOE_TILE; r++) {
                int s = i(order, (long) tile * Plans.MOE_TILE + r);
                if (s >= 0) {
                    gateUpRow(t, wg, wu, eb, gB, uB, x, (long) (s / k) * xStride, e, nFf, cols, a, alpha, limit, out,
                            (long) s * nFf);
                }
            }
        }
    }

    private void downGrouped(GgmlType t, A p) {
        long wd = p.l(0), eb = p.l(1), dB = p.l(2), actv = p.l(3), order = p.l(4), tiles = p.l(5), nTiles = p.l(6);
        long slotOut = p.l(9);
        int rows = p.i(7), cols = p.i(8);
        for (int tile = 0; tile < i(nTiles, 0); tile++) {
            int e = i(tiles, tile);
            for (int q = 0; q < Plans.MOE_TILE; q++) {
                int s = i(order, (long) tile * Plans.MOE_TILE + q);
                if (s < 0) {
                    continue;
                }
                for (int r = 0; r < rows; r++) {
                    f(slotOut, (long) s * rows + r, dot(t, wd + e * eb, r, cols, actv, (long) s * cols)
                            + (dB != 0 ? f(dB, (long) e * rows + r) : 0f));
                }
            }
        }
    }

    private void moeCombine(A p) {
        long slotOut = p.l(0), weights = p.l(1), sgate = p.l(2), y = p.l(7);
        int sgStride = p.i(3), nTok = p.i(4), k = p.i(5), rows = p.i(6), yStride = p.i(8), acc = p.i(10);
        float alpha = p.f(9);
        for (int tk = 0; tk < nTok; tk++) {
            float g = sgate != 0 ? 1f / (1f + (float) Math.exp(-f(sgate, (long) tk * sgStride))) : 1f;
            for (int r = 0; r < rows; r++) {
                float sum = 0;
                for (int j = 0; j < k; j++) {
                    sum += f(weights, (long) tk * k + j) * f(slotOut, ((long) tk * k + j) * rows + r);
                }
                long at = (long) tk * yStride + r;
                f(y, at, (acc != 0 ? f(y, at) : 0f) + alpha * g * sum);
            }
        }
    }
}
