package io.github.moe4j.cuda;

import io.github.moe4j.model.DecoderConfig;
import io.github.moe4j.model.MoeConfig;

/**
 * The device memory of one sequence: KV cache, RoPE table and the scratch of a step of up to
 * {@code ubatch} tokens. Addresses only; the memory belongs to the {@link DeviceMemory} that made it.
 *
 * @param kCache   per layer, f32 (or f16 with {@code kvF16}) {@code [n_ctx][n_head_kv * head_dim_k]}
 * @param vCache   per layer, f32 (or f16) {@code [n_ctx][n_head_kv * head_dim_v]}
 * @param kvF16    the caches hold f16: K and V rows are made in f32 scratch, then stored ({@code kv_store_f16})
 * @param vTmp     f32 {@code [ubatch][n_head_kv * head_dim_v]} projected values before the f16 store, or 0
 * @param cos      f32 {@code [n_ctx][n_rot / 2]}, {@code RopeTable}'s rows
 * @param sin      same
 * @param pos      int: position of the step's first token
 * @param tokens   int {@code [ubatch]}: the step's token ids
 * @param h        f32 {@code [ubatch][n_embd]} residual stream
 * @param xn       f32 {@code [ubatch][n_embd]} normed input of a sub-block
 * @param q        f32 {@code [ubatch][n_head * head_dim_k]}
 * @param kTmp     f32 {@code [ubatch][n_head_kv * head_dim_k]} projected keys before RoPE
 * @param att      f32 {@code [ubatch][n_head * head_dim_v]}
 * @param partO    f32 {@code [n_head][maxSplit][head_dim_v]} split-attention partial outputs
 * @param partML   f32 {@code [n_head][maxSplit][2]} their max and sum
 * @param routerLogits f32 {@code [ubatch][n_expert + 1]} (the last: shared-expert gate logit)
 * @param ids      int {@code [ubatch][k]} chosen experts
 * @param weights  f32 {@code [ubatch][k]} their weights
 * @param act      f32 {@code [ubatch][k][n_ff_exp]} expert activations
 * @param actShared f32 {@code [ubatch][n_ff_shexp]}, 0 without a shared expert
 * @param slotOut  f32 {@code [ubatch][k][n_embd]} grouped down projections (prefill)
 * @param slotOrder int {@code [maxTiles * 8]}
 * @param tileExpert int {@code [maxTiles]}
 * @param nTiles   int
 * @param moeOut   f32 {@code [ubatch][n_embd]}: CPU expert sums (hybrid)
 * @param logits   f32 {@code [ubatch][n_vocab]}
 * @param maxSplit splits of the decode attention
 * @param maxTiles tiles of the grouped MoE at ubatch tokens
 * @param ubatch   tokens per step
 * @param nCtx     positions in the cache
 * @param qFull    MLA: f32 {@code [ubatch][n_head][qk_nope + qk_rope]}, else 0
 * @param qA       MLA: f32 {@code [ubatch][q_lora]}, or 0
 * @param kvA      MLA: f32 {@code [ubatch][kv_lora + qk_rope]}, else 0
 * @param headOut  MLA: f32 {@code [ubatch][n_head][v_head]}, else 0
 * @param actDense MLA: f32 {@code [ubatch][n_ff]} dense FFN activations, else 0
 */
public record StepBuffers(long[] kCache, long[] vCache, boolean kvF16, long vTmp, long cos, long sin, long pos, long tokens,
                          long h, long xn, long q, long kTmp, long att, long partO, long partML,
                          long routerLogits, long ids, long weights, long act, long actShared, long slotOut,
                          long slotOrder, long tileExpert, long nTiles, long moeOut, long logits,
                          int maxSplit, int maxTiles, int ubatch, int nCtx,
                          long qFull, long qA, long kvA, long headOut, long actDense) {

    /** Allocates a sequence's buffers (f32 KV cache) for contexts of {@code nCtx} and steps of up to {@code ubatch} tokens. */
    public static StepBuffers allocate(DecoderConfig c, int nCtx, int ubatch, DeviceMemory mem) {
        return allocate(c, nCtx, ubatch, false, mem);
    }

    /** As {@link #allocate(DecoderConfig, int, int, DeviceMemory)}, with an f16 KV cache when {@code kvF16}. */
    public static StepBuffers allocate(DecoderConfig c, int nCtx, int ubatch, boolean kvF16, DeviceMemory mem) {
        return allocate(c, nCtx, ubatch, kvF16, null, mem);
    }

    /**
     * With {@code mla} (deepseek2): one f32 cache per layer serves K and V (V is the first kv_lora values
     * of each K row), and the MLA scratch is added; {@code kvF16} must be false.
     */
    public static StepBuffers allocate(DecoderConfig c, int nCtx, int ubatch, boolean kvF16, CudaWeights.Mla mla,
                                       DeviceMemory mem) {
        if (mla != null && kvF16) {
            throw new IllegalArgumentException("the MLA cache is float32 on the GPU");
        }
        MoeConfig m = c.moe();
        int e = c.nEmbd();
        long ub = ubatch;
        int maxSplit = 1;
        for (int il = 0; il < c.nLayer(); il++) {
            maxSplit = Math.max(maxSplit, Plans.maxSplit(nCtx, c.attn().window(il), Plans.ATTN_CHUNK));
        }
        int slots = Math.multiplyExact(ubatch, m.nUsed());
        int maxTiles = Plans.maxTiles(slots, m.nExpert());
        long[] k = new long[c.nLayer()];
        long[] v = new long[c.nLayer()];
        for (int il = 0; il < c.nLayer(); il++) {
            long el = kvF16 ? 2 : 4;
            k[il] = mem.alloc(el * nCtx * c.kWidth(), "K cache of layer " + il);
            v[il] = mla != null ? k[il] : mem.alloc(el * nCtx * c.vWidth(), "V cache of layer " + il);
        }
        long half = c.rope().nRot() / 2;
        return new StepBuffers(k, v, kvF16, kvF16 ? mem.alloc(4 * ub * c.vWidth(), "values before the f16 store") : 0,
                mem.alloc(4L * nCtx * half, "rope cos"), mem.alloc(4L * nCtx * half, "rope sin"),
                mem.alloc(4, "pos"), mem.alloc(4 * ub, "tokens"),
                mem.alloc(4 * ub * e, "h"), mem.alloc(4 * ub * e, "xn"),
                mem.alloc(4 * ub * c.qWidth(), "q"), mem.alloc(4 * ub * c.kWidth(), "k"),
                mem.alloc(4 * ub * c.attnOutWidth(), "attention output"),
                mem.alloc(4L * c.nHead() * maxSplit * c.headDimV(), "attention partial outputs"),
                mem.alloc(8L * c.nHead() * maxSplit, "attention partial max/sum"),
                mem.alloc(4 * ub * (m.nExpert() + 1), "router logits"),
                mem.alloc(4L * slots, "expert ids"), mem.alloc(4L * slots, "expert weights"),
                mem.alloc(4L * slots * m.nFfExp(), "expert activations"),
                m.nFfShexp() > 0 ? mem.alloc(4 * ub * m.nFfShexp(), "shared expert activations") : 0,
                ubatch > 1 ? mem.alloc(4L * slots * e, "expert slot outputs") : 0,
                mem.alloc(4L * maxTiles * Plans.MOE_TILE, "slot order"), mem.alloc(4L * maxTiles, "tile experts"),
                mem.alloc(4, "tiles"),
                mem.alloc(4 * ub * e, "CPU expert output"),
                mem.alloc(4 * ub * c.nVocab(), "logits"),
                maxSplit, maxTiles, ubatch, nCtx,
                mla == null ? 0 : mem.alloc(4 * ub * c.nHead() * (mla.qkNope() + c.rope().nRot()), "MLA q"),
                mla == null || mla.qLora() == 0 ? 0 : mem.alloc(4 * ub * mla.qLora(), "MLA q_a"),
                mla == null ? 0 : mem.alloc(4 * ub * (mla.kvLora() + c.rope().nRot()), "MLA kv_a"),
                mla == null ? 0 : mem.alloc(4 * ub * c.nHead() * mla.vHead(), "MLA head outputs"),
                mla == null || mla.nDense() == 0 ? 0 : mem.alloc(4 * ub * mla.nFf(), "dense FFN activations"));
    }
}
