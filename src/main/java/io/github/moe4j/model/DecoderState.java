package io.github.moe4j.model;

import io.github.moe4j.cpu.Attention;
import io.github.moe4j.cpu.KvStore;
import io.github.moe4j.cpu.RopeTable;
import io.github.moe4j.tensor.Tensor;

import java.lang.foreign.Arena;

/**
 * All mutable state of one sequence: the KV cache of every layer, the position and the scratch
 * buffers of a forward pass, allocated once so that decoding allocates nothing. Used by one thread
 * at a time; the {@link MoeDecoder} it belongs to is shared and immutable.
 */
public class DecoderState {
    /** Tokens per prefill micro-batch. */
    public static final int UBATCH = 256;

    final DecoderConfig c;
    final int nCtx;
    int pos;

    public final KvType kvType;
    public final KvStore[] k;          // per layer [n_ctx][n_head_kv][head_dim_k]
    public final KvStore[] v;          // per layer [n_ctx][n_head_kv][head_dim_v], or a view of k
    public final RopeTable rope;       // cos/sin of positions [0, n_ctx)

    public final float[] h;            // [n_embd] residual stream
    public final float[] xn;           // [n_embd] normed input of a sub-block
    public final float[] q;            // [n_head * head_dim_k]
    public final float[] kCur;         // [n_head_kv * head_dim_k]
    public final float[] vCur;         // [n_head_kv * head_dim_v]
    public final float[] att;          // [n_head * head_dim_v]
    public final float[] out;          // [n_embd] output of a sub-block
    public final float[] attnScratch;
    private final float[][] attnScratchByThread = new float[64][];   // [thread], made on first use
    final AttentionTask attnTask = new AttentionTask(this);

    public final float[] router;       // [n_expert] logits, then probabilities
    public final float[] select;       // [n_expert] selection scores (biased, groups masked)
    public final float[] groupScore;   // [n_group]
    public final int[] groupIdx;       // [n_group_used]
    public final float[] groupVal;     // [n_group_used]
    public final int[] topIdx;         // [n_used]
    public final float[] topW;         // [n_used]
    public final float[] ffGate;       // [max(n_ff_exp, n_ff_shexp)]
    public final float[] ffUp;         // same
    public final float[] ffAct;        // same
    public final float[] ffOut;        // [n_embd]
    public final float[] kGate;        // [n_used][n_ff_exp] decode: every chosen expert's gate
    public final float[] kUp;          // [n_used][n_ff_exp]
    public final float[] kAct;         // [n_used][n_ff_exp]
    public final float[] kOut;         // [n_used][n_embd]
    // the jobs of one Linear.matvecs call (decode: experts, q/k/v); references cleared after each call
    final Tensor[] jobW;
    final float[][] jobX;
    final int[] jobXOff;
    final float[][] jobY;
    final int[] jobYOff;

    // ---- batch (prefill) buffers, ubatch tokens at a time
    public final int ubatch;
    public final float[] bh;           // [ubatch][n_embd] residual streams
    public final float[] bxn;          // [ubatch][n_embd] normed MoE inputs
    public final int[] bIdx;           // [ubatch][n_used] chosen experts
    public final float[] bW;           // [ubatch][n_used] their weights
    public final float[] bSlot;        // [ubatch][n_used][n_embd] expert outputs per (token, slot)
    public final int[] bCount;         // [n_expert] tokens per expert
    public final int[] bStart;         // [n_expert] first entry of each expert in bOrder
    public final int[] bFill;          // [n_expert] counting-sort cursor
    public final int[] bOrder;         // [ubatch * n_used] (token * n_used + slot), grouped by expert
    public final float[] gIn;          // [ubatch][n_embd] one expert's gathered inputs
    public final float[] gGate;        // [ubatch][n_ff_exp]
    public final float[] gUp;          // [ubatch][n_ff_exp]
    public final float[] gAct;         // [ubatch][n_ff_exp]
    public final float[] gOut;         // [ubatch][n_embd]
    public final float[] bq;           // [ubatch][n_head * head_dim_k] batch attention: queries
    public final float[] bk;           // [ubatch][n_head_kv * head_dim_k] keys
    public final float[] bv;           // [ubatch][n_head_kv * head_dim_v] values
    public final float[] batt;         // [ubatch][n_head * head_dim_v] attention outputs
    public final float[] bout;         // [ubatch][n_embd] a sub-block's outputs
    public final float[] bRouter;      // [ubatch][n_expert] router logits
    public final float[] sGate;        // [ubatch][n_ff_shexp] the shared expert over a batch (empty without one)
    public final float[] sUp;          // [ubatch][n_ff_shexp]
    public final float[] sAct;         // [ubatch][n_ff_shexp]
    public final float[] sOut;         // [ubatch][n_embd] (empty without a shared expert)

    /**
     * Attention scratch for pool thread {@code thread} (thread 0: {@link #attnScratch}). Each slot is
     * only ever touched by the thread running that chunk index; made once, then reused.
     */
    float[] attnScratch(int thread) {
        if (thread == 0) {
            return attnScratch;
        }
        if (thread >= attnScratchByThread.length) {
            return new float[attnScratch.length];
        }
        float[] a = attnScratchByThread[thread];
        if (a == null) {
            a = new float[attnScratch.length];
            attnScratchByThread[thread] = a;
        }
        return a;
    }

    /** Job {@code j} of the next {@link #matvecs}: {@code y[yOff ..] = w x[xOff ..]}. */
    public void job(int j, Tensor w, float[] x, int xOff, float[] y, int yOff) {
        jobW[j] = w;
        jobX[j] = x;
        jobXOff[j] = xOff;
        jobY[j] = y;
        jobYOff[j] = yOff;
    }

    /** Runs jobs {@code [0, n)} set by {@link #job} as one {@link Linear#matvecs} call. */
    public void matvecs(Linear lin, int n) {
        lin.matvecs(n, jobW, jobX, jobXOff, jobY, jobYOff);
    }

    /**
     * Causal attention of {@code nb} queries ({@code q [nb][n_head][head_dim_k]}, positions {@code p0 ..})
     * against layer {@code il}'s cache into {@code out}, split by query head across {@code lin}'s threads
     * when the context is long enough to pay for it.
     */
    public void attend(Linear lin, float[] q, int nb, int p0, int nHead, int il, io.github.moe4j.cpu.AttentionParams p,
                       float[] out) {
        attnTask.run(lin, q, nb, p0, nHead, il, p, out);
    }

    /** Causal attention of a batch of queries against a layer's cache, split by query head across threads. */
    static final class AttentionTask implements io.github.moe4j.cpu.WorkerPool.RangeTask {
        /** Below this many (query, key) pairs per head the heads run on the calling thread. */
        private static final long SERIAL_KEYS = 256;
        private final DecoderState s;
        private float[] q;
        private int nb;
        private int p0;
        private int nHead;
        private int il;
        private io.github.moe4j.cpu.AttentionParams params;
        private float[] out;
        private int perItem = 1;      // query heads per parallel item (see headsPerItem)

        AttentionTask(DecoderState s) {
            this.s = s;
        }

        /** Queries {@code q [nb][n_head][head_dim_k]} at positions {@code p0 ..} into {@code out}. */
        void run(Linear lin, float[] q, int nb, int p0, int nHead, int il, io.github.moe4j.cpu.AttentionParams params,
                 float[] out) {
            this.q = q;
            this.nb = nb;
            this.p0 = p0;
            this.nHead = nHead;
            this.il = il;
            this.params = params;
            this.out = out;
            try {
                if ((long) nb * (p0 + nb) < SERIAL_KEYS) {
                    run(0, nHead, 0);          // a short context: not worth a fork and a join
                } else {
                    this.perItem = headsPerItem(nHead, s.k[il].nHeadKv(), lin.threads());
                    lin.parallelFor(nHead / perItem, this);
                }
            } finally {
                this.perItem = 1;
                this.q = null;
                this.out = null;
                this.params = null;
            }
        }

        @Override
        public void run(int start, int end, int thread) {
            io.github.moe4j.cpu.Attention.attendBatch(q, 0, nb, p0, nHead, s.k[il], s.v[il], params, out, 0,
                    s.attnScratch(thread), start * perItem, end * perItem);
        }

        /**
         * Query heads per parallel item: whole GQA groups where there are enough of them for the threads (a
         * group's heads share each K and V row and the kernel's 4-head tiles; split by single heads, with the
         * pool's chunks of 2, a Qwen3-30B-A3B group of 8 read its rows 4 times and attention took 336 us per
         * layer at context 600), else the largest divisor of the group size that gives every thread an item.
         */
        static int headsPerItem(int nHead, int nHeadKv, int threads) {
            if (nHeadKv <= 0 || nHead % nHeadKv != 0) {
                return 1;
            }
            int g = nHead / nHeadKv;
            for (int per = g; per > 1; per--) {
                if (g % per == 0 && (long) nHeadKv * (g / per) >= threads) {
                    return per;
                }
            }
            return 1;
        }
    }

    public DecoderState(DecoderConfig c, int nCtx) {
        this(c, nCtx, UBATCH);
    }

    /** A state whose prefill runs in micro-batches of at most {@code ubatch} tokens. */
    public DecoderState(DecoderConfig c, int nCtx, int ubatch) {
        this(c, nCtx, ubatch, KvType.F32, false);
    }

    /** A state with a {@code kvType} KV cache. */
    public DecoderState(DecoderConfig c, int nCtx, int ubatch, KvType kvType) {
        this(c, nCtx, ubatch, kvType, false);
    }

    /**
     * @param vViewOfK V is not stored: each layer's V cache is a view of the first {@code head_dim_v}
     *                 values of its K rows (one KV head; deepseek2 MLA, where V = the normed kv_cmpr
     *                 that starts every K row)
     */
    protected DecoderState(DecoderConfig c, int nCtx, int ubatch, KvType kvType, boolean vViewOfK) {
        if (kvType == null) {
            throw new IllegalArgumentException("kv type is null");
        }
        if (vViewOfK && (c.nHeadKv() != 1 || c.headDimV() > c.headDimK())) {
            throw new IllegalArgumentException("V as a view of K needs one KV head and head_dim_v <= head_dim_k");
        }
        if (ubatch <= 0) {
            throw new IllegalArgumentException("ubatch must be positive, got " + ubatch);
        }
        if (nCtx <= 0 || nCtx > c.nCtxTrain()) {
            throw new IllegalArgumentException(c.arch() + ": context size " + nCtx + " must be in 1.." + c.nCtxTrain()
                    + " (context_length)");
        }
        this.c = c;
        this.nCtx = nCtx;
        this.kvType = kvType;
        this.k = new KvStore[c.nLayer()];
        this.v = new KvStore[c.nLayer()];
        Arena arena = Arena.ofAuto();   // f16 caches: freed with this state
        for (int il = 0; il < c.nLayer(); il++) {
            if (kvType == KvType.F32) {
                KvStore.F32 kf = KvStore.allocateF32(nCtx, c.nHeadKv(), c.headDimK());
                k[il] = kf;
                v[il] = vViewOfK ? new KvStore.F32(kf.data(), nCtx, 1, c.headDimV(), c.kWidth())
                        : KvStore.allocateF32(nCtx, c.nHeadKv(), c.headDimV());
            } else {
                KvStore.F16 kh = KvStore.allocateF16(arena, nCtx, c.nHeadKv(), c.headDimK());
                k[il] = kh;
                v[il] = vViewOfK ? new KvStore.F16(kh.data(), nCtx, 1, c.headDimV(), c.kWidth())
                        : KvStore.allocateF16(arena, nCtx, c.nHeadKv(), c.headDimV());
            }
        }
        this.rope = new RopeTable(c.rope(), nCtx);
        int e = c.nEmbd();
        h = new float[e];
        xn = new float[e];
        q = new float[c.qWidth()];
        kCur = new float[c.kWidth()];
        vCur = new float[c.vWidth()];
        att = new float[c.attnOutWidth()];
        out = new float[e];
        attnScratch = new float[Attention.scratchLength(c.nHead(), c.nHeadKv(), c.headDimK(), c.headDimV(), nCtx)];
        MoeConfig m = c.moe();
        router = new float[m.nExpert()];
        select = new float[m.nExpert()];
        groupScore = new float[m.nGroup()];
        groupIdx = new int[m.nGroupUsed()];
        groupVal = new float[m.nGroupUsed()];
        topIdx = new int[m.nUsed()];
        topW = new float[m.nUsed()];
        int ff = Math.max(m.nFfExp(), m.nFfShexp());
        ffGate = new float[ff];
        ffUp = new float[ff];
        ffAct = new float[ff];
        ffOut = new float[e];
        kGate = new float[m.nUsed() * m.nFfExp()];
        kUp = new float[m.nUsed() * m.nFfExp()];
        kAct = new float[m.nUsed() * m.nFfExp()];
        kOut = new float[m.nUsed() * e];
        int jobs = Math.max(2 * m.nUsed() + 3, c.nHead());
        jobW = new Tensor[jobs];
        jobX = new float[jobs][];
        jobXOff = new int[jobs];
        jobY = new float[jobs][];
        jobYOff = new int[jobs];
        this.ubatch = Math.min(nCtx, ubatch);
        ubatch = this.ubatch;                 // buffers for the batches this state can see
        int k = m.nUsed();
        int nf = m.nFfExp();
        bh = new float[ubatch * e];
        bxn = new float[ubatch * e];
        bIdx = new int[ubatch * k];
        bW = new float[ubatch * k];
        bSlot = new float[ubatch * k * e];
        bCount = new int[m.nExpert()];
        bStart = new int[m.nExpert()];
        bFill = new int[m.nExpert()];
        bOrder = new int[ubatch * k];
        gIn = new float[ubatch * e];
        gGate = new float[ubatch * nf];
        gUp = new float[ubatch * nf];
        gAct = new float[ubatch * nf];
        gOut = new float[ubatch * e];
        bq = new float[ubatch * c.qWidth()];
        bk = new float[ubatch * c.kWidth()];
        bv = new float[ubatch * c.vWidth()];
        batt = new float[ubatch * c.attnOutWidth()];
        bout = new float[ubatch * e];
        bRouter = new float[ubatch * m.nExpert()];
        int ns = m.nFfShexp();
        sGate = new float[ubatch * ns];
        sUp = new float[ubatch * ns];
        sAct = new float[ubatch * ns];
        sOut = new float[ns > 0 ? ubatch * e : 0];
    }

    /** Marks one more token as cached; called by decoders after a token's KV rows are stored. */
    /** Bytes of the KV cache (every layer's K and V storage, a V view of K counted once). */
    public long kvBytes() {
        java.util.IdentityHashMap<Object, Boolean> seen = new java.util.IdentityHashMap<>();
        long n = 0;
        for (int il = 0; il < k.length; il++) {
            n += storeBytes(k[il], seen) + storeBytes(v[il], seen);
        }
        return n;
    }

    private static long storeBytes(KvStore st, java.util.IdentityHashMap<Object, Boolean> seen) {
        return switch (st) {
            case KvStore.F32 f -> seen.put(f.data(), true) == null ? 4L * f.data().length : 0;
            case KvStore.F16 h -> seen.put(h.data(), true) == null ? h.data().byteSize() : 0;
        };
    }

    /**
     * Bytes of everything else this state holds for its sequence: activations, batch buffers, routing
     * and attention scratch, the RoPE table (arrays reachable from this state's own fields, one level deep).
     */
    public long scratchBytes() {
        long n = 0;
        for (Class<?> cl = getClass(); cl != Object.class; cl = cl.getSuperclass()) {
            for (java.lang.reflect.Field f : cl.getDeclaredFields()) {
                if (java.lang.reflect.Modifier.isStatic(f.getModifiers()) || f.getType() == KvStore[].class) {
                    continue;
                }
                try {
                    f.setAccessible(true);
                    n += arrayBytes(f.get(this));
                    if (f.getType() == RopeTable.class) {
                        for (java.lang.reflect.Field g : RopeTable.class.getDeclaredFields()) {
                            if (!java.lang.reflect.Modifier.isStatic(g.getModifiers())) {
                                g.setAccessible(true);
                                n += arrayBytes(g.get(f.get(this)));
                            }
                        }
                    }
                } catch (ReflectiveOperationException | RuntimeException e) {
                    // not an array we can see: not counted
                }
            }
        }
        return n;
    }

    private static long arrayBytes(Object o) {
        return switch (o) {
            case float[] a -> 4L * a.length;
            case int[] a -> 4L * a.length;
            case double[] a -> 8L * a.length;
            case float[][] a -> {
                long n = 0;
                for (float[] r : a) {
                    n += r == null ? 0 : 4L * r.length;
                }
                yield n;
            }
            case null, default -> 0;
        };
    }

    public void advance() {
        if (pos >= nCtx) {
            throw new IllegalStateException("context full: " + nCtx + " tokens");
        }
        pos++;
    }

    /** The config this state was made for. */
    public DecoderConfig config() {
        return c;
    }

    /** Tokens already in the KV cache (the position of the next token). */
    public int position() {
        return pos;
    }

    /** The most tokens this state can hold. */
    public int contextSize() {
        return nCtx;
    }

    /** Forgets the sequence; the cache is overwritten from position 0. */
    public void reset() {
        pos = 0;
    }

    /** Drops tokens from the end so that {@code n} remain (prefix reuse). */
    public void truncate(int n) {
        if (n < 0 || n > pos) {
            throw new IllegalArgumentException("cannot keep " + n + " of " + pos + " cached tokens");
        }
        pos = n;
    }
}
