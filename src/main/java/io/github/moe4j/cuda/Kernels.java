package io.github.moe4j.cuda;

import io.github.moe4j.tensor.GgmlType;

/**
 * Typed launchers, one per kernel of {@code native/cuda/ABI.md}, parameters in the ABI's order and
 * meaning (device pointers as {@code long}, 0 for a nullable one that is absent); each packs its
 * arguments, sizes its launch with {@link Plans} and hands both to a {@link KernelSink}.
 */
public final class Kernels {
    public static final String LINEAR = "linear";
    public static final String NORM = "norm";
    public static final String ROPE = "rope";
    public static final String ATTENTION = "attention";
    public static final String MOE = "moe";
    public static final String UTIL = "util";
    /** Every module the decoder uses. */
    public static final java.util.List<String> MODULES = java.util.List.of(LINEAR, NORM, ROPE, ATTENTION, MOE, UTIL);

    /** Gating codes of {@code moe_route}. */
    public static final int GATING_SOFTMAX = 0;
    public static final int GATING_SOFTMAX_WEIGHT = 1;
    public static final int GATING_SIGMOID = 2;
    /** Activation codes of the MoE kernels. */
    public static final int ACT_SWIGLU = 0;
    public static final int ACT_SWIGLU_OAI = 1;

    private final KernelSink sink;

    public Kernels(KernelSink sink) {
        this.sink = sink;
    }

    public KernelSink sink() {
        return sink;
    }

    private static int flag(boolean b) {
        return b ? 1 : 0;
    }

    // ---------------------------------------------------------------- linear

    /** {@code linear_<T>}: {@code y[b][yrow][r] = (acc ? y : 0) + alpha * (W[b][r] . x[b][t] + bias[b][r])}. */
    public void linear(GgmlType t, long w, long wBatchBytes, long bias, int biasBatchStride,
                       long x, int xTokStride, int xBatchStride, long y, int yTokStride, int yBatchStride, long yPos,
                       int rows, int cols, int nTok, int nBatch, float alpha, boolean accumulate) {
        sink.launch(LINEAR, "linear_" + WeightTypes.suffix(t), Plans.linear(rows, nTok, nBatch), KernelArgs.builder()
                .ptr(w).i64(wBatchBytes).ptr(bias).i32(biasBatchStride)
                .ptr(x).i32(xTokStride).i32(xBatchStride)
                .ptr(y).i32(yTokStride).i32(yBatchStride).ptr(yPos)
                .i32(rows).i32(cols).i32(nTok).f32(alpha).i32(flag(accumulate)));
    }

    /**
     * {@code linear_qkv_<T>}: the three projections of one attention block in one launch (all three of
     * type {@code t}); V goes to row {@code *yvPos + t} when {@code yvPos} is set.
     */
    public void linearQkv(GgmlType t, long wq, long wk, long wv, long bq, long bk, long bv, long x, int xTokStride,
                          long yq, int yqTokStride, long yk, int ykTokStride, long yv, int yvTokStride, long yvPos,
                          int rowsQ, int rowsK, int rowsV, int cols, int nTok) {
        sink.launch(LINEAR, "linear_qkv_" + WeightTypes.suffix(t), Plans.linearQkv(rowsQ, rowsK, rowsV, nTok),
                KernelArgs.builder()
                        .ptr(wq).ptr(wk).ptr(wv).ptr(bq).ptr(bk).ptr(bv).ptr(x).i32(xTokStride)
                        .ptr(yq).i32(yqTokStride).ptr(yk).i32(ykTokStride).ptr(yv).i32(yvTokStride).ptr(yvPos)
                        .i32(rowsQ).i32(rowsK).i32(rowsV).i32(cols).i32(nTok));
    }

    /** {@code get_rows_<T>}: {@code out[t] = dequant(W[ids[t]]) * scale}. */
    public void getRows(GgmlType t, long w, long ids, int nTok, int cols, long out, int outStride, float scale) {
        sink.launch(LINEAR, "get_rows_" + WeightTypes.suffix(t), Plans.getRows(nTok), KernelArgs.builder()
                .ptr(w).ptr(ids).i32(nTok).i32(cols).ptr(out).i32(outStride).f32(scale));
    }

    // ---------------------------------------------------------------- norm, rope

    /** {@code rmsnorm}: row i of x to row {@code yPos ? *yPos + i : i} of y, times w (nullable). */
    public void rmsnorm(long x, int xStride, long w, long y, int yStride, long yPos, int n, int nRows, float eps) {
        sink.launch(NORM, "rmsnorm", Plans.rmsnorm(nRows), KernelArgs.builder()
                .ptr(x).i32(xStride).ptr(w).ptr(y).i32(yStride).ptr(yPos).i32(n).i32(nRows).f32(eps));
    }

    /** {@code rope}: optional per-head RMSNorm, rotation of the first nRot values, store (by position when dstByPos). */
    public void rope(long src, int srcTokStride, int srcHeadStride, long dst, int dstTokStride, int dstHeadStride,
                     boolean dstByPos, long cos, long sin, long pos, int nTok, int nHead, int nRot, int headDim,
                     boolean neox, long normW, float eps) {
        sink.launch(ROPE, "rope", Plans.rope(nHead, nTok), KernelArgs.builder()
                .ptr(src).i32(srcTokStride).i32(srcHeadStride)
                .ptr(dst).i32(dstTokStride).i32(dstHeadStride).i32(flag(dstByPos))
                .ptr(cos).ptr(sin).ptr(pos)
                .i32(nTok).i32(nHead).i32(nRot).i32(headDim).i32(flag(neox))
                .ptr(normW).f32(eps));
    }

    // ---------------------------------------------------------------- attention

    /** {@code attn_decode_split} (f32 cache): partial softmax sums of one query per head over chunks of the cache. */
    public void attnDecodeSplit(long q, int qHeadStride, long k, long kRowStride, long v, long vRowStride, long pos,
                                int nHead, int nHeadKv, int dk, int dv, float scale, int window, int chunk,
                                int maxSplit, long partO, long partML) {
        attnDecodeSplit(false, q, qHeadStride, k, kRowStride, v, vRowStride, pos, nHead, nHeadKv, dk, dv, scale, window,
                chunk, maxSplit, partO, partML);
    }

    /** {@code attn_decode_split} or, for an f16 cache, {@code attn_decode_split_f16}. */
    public void attnDecodeSplit(boolean f16, long q, int qHeadStride, long k, long kRowStride, long v, long vRowStride,
                                long pos, int nHead, int nHeadKv, int dk, int dv, float scale, int window, int chunk,
                                int maxSplit, long partO, long partML) {
        sink.launch(ATTENTION, f16 ? "attn_decode_split_f16" : "attn_decode_split", Plans.attnDecodeSplit(nHead, nHeadKv, maxSplit, dk, chunk), KernelArgs.builder()
                .ptr(q).i32(qHeadStride).ptr(k).i64(kRowStride).ptr(v).i64(vRowStride).ptr(pos)
                .i32(nHead).i32(nHeadKv).i32(dk).i32(dv).f32(scale).i32(window).i32(chunk).i32(maxSplit)
                .ptr(partO).ptr(partML));
    }

    /** {@code attn_decode_combine}: merges the splits (and the sink) into each head's output. */
    public void attnDecodeCombine(long partO, long partML, long sinks, int nHead, int dv, int maxSplit, long out,
                                  int outHeadStride) {
        sink.launch(ATTENTION, "attn_decode_combine", Plans.attnDecodeCombine(nHead), KernelArgs.builder()
                .ptr(partO).ptr(partML).ptr(sinks).i32(nHead).i32(dv).i32(maxSplit).ptr(out).i32(outHeadStride));
    }

    /** {@code attn_prefill} (f32 cache): causal attention of nTok queries at {@code *pos ..}. */
    public void attnPrefill(long q, int qTokStride, int qHeadStride, long k, long kRowStride, long v, long vRowStride,
                            long pos, int nTok, int nHead, int nHeadKv, int dk, int dv, float scale, int window,
                            long sinks, long out, int outTokStride, int outHeadStride) {
        attnPrefill(false, q, qTokStride, qHeadStride, k, kRowStride, v, vRowStride, pos, nTok, nHead, nHeadKv, dk, dv,
                scale, window, sinks, out, outTokStride, outHeadStride);
    }

    /** {@code attn_prefill} or, for an f16 cache, {@code attn_prefill_f16}. */
    public void attnPrefill(boolean f16, long q, int qTokStride, int qHeadStride, long k, long kRowStride, long v,
                            long vRowStride, long pos, int nTok, int nHead, int nHeadKv, int dk, int dv, float scale,
                            int window, long sinks, long out, int outTokStride, int outHeadStride) {
        if (dv > Plans.PREFILL_MAX_DV) {
            throw new IllegalArgumentException("attn_prefill handles value heads up to " + Plans.PREFILL_MAX_DV
                    + ", got " + dv);
        }
        sink.launch(ATTENTION, f16 ? "attn_prefill_f16" : "attn_prefill", Plans.attnPrefill(nHead, nTok, dk), KernelArgs.builder()
                .ptr(q).i32(qTokStride).i32(qHeadStride).ptr(k).i64(kRowStride).ptr(v).i64(vRowStride)
                .ptr(pos).i32(nTok).i32(nHead).i32(nHeadKv).i32(dk).i32(dv).f32(scale).i32(window).ptr(sinks)
                .ptr(out).i32(outTokStride).i32(outHeadStride));
    }

    // ---------------------------------------------------------------- MoE

    /** {@code moe_norm_router_<T>}: ffn RMSNorm fused with the router logits (and the shared-expert gate logit). */
    public void normRouter(GgmlType t, long h, int hStride, long normW, float eps, int n, long wr, long rBias,
                           int nExpert, long shexpGateW, long xn, int xnStride, long logits, int logitStride, int nTok) {
        sink.launch(MOE, "moe_norm_router_" + WeightTypes.suffix(t), Plans.normRouter(nExpert, nTok, n), KernelArgs.builder()
                .ptr(h).i32(hStride).ptr(normW).f32(eps).i32(n)
                .ptr(wr).ptr(rBias).i32(nExpert).ptr(shexpGateW)
                .ptr(xn).i32(xnStride).ptr(logits).i32(logitStride).i32(nTok));
    }

    /** {@code moe_route}: gating, selection, top-k, normalisation and scale as {@code MoeBlock.route}. */
    public void route(long logits, int logitStride, long selBias, int nTok, int nExpert, int k, int gating,
                      boolean normalize, float weightsScale, int nGroup, int nGroupUsed, long ids, long weights) {
        sink.launch(MOE, "moe_route", Plans.route(nTok, nExpert, k, nGroup), KernelArgs.builder()
                .ptr(logits).i32(logitStride).ptr(selBias).i32(nTok).i32(nExpert).i32(k).i32(gating)
                .i32(flag(normalize)).f32(weightsScale).i32(nGroup).i32(nGroupUsed).ptr(ids).ptr(weights));
    }

    /** {@code moe_gate_up_<T>}: {@code out[t*k+j] = act(gate_e x_t, up_e x_t)} (ids 0: a dense FFN, k 1). */
    public void gateUp(GgmlType t, long wg, long wu, long expertBytes, long gBias, long uBias, long x, int xStride,
                       long ids, int k, int nTok, int nFf, int cols, int act, float alpha, float limit, long out) {
        sink.launch(MOE, "moe_gate_up_" + WeightTypes.suffix(t), Plans.gateUp(nFf, k, nTok), KernelArgs.builder()
                .ptr(wg).ptr(wu).i64(expertBytes).ptr(gBias).ptr(uBias).ptr(x).i32(xStride).ptr(ids)
                .i32(k).i32(nTok).i32(nFf).i32(cols).i32(act).f32(alpha).f32(limit).ptr(out));
    }

    /** {@code moe_down_<T>}: down projections, weighted sum over the k slots, optional sigmoid gate, residual add. */
    public void down(GgmlType t, long wd, long expertBytes, long dBias, long act, long ids, long weights, long sgate,
                     int sgateStride, int k, int nTok, int rows, int cols, long y, int yStride, float alpha,
                     boolean accumulate) {
        sink.launch(MOE, "moe_down_" + WeightTypes.suffix(t), Plans.down(rows, nTok), KernelArgs.builder()
                .ptr(wd).i64(expertBytes).ptr(dBias).ptr(act).ptr(ids).ptr(weights).ptr(sgate).i32(sgateStride)
                .i32(k).i32(nTok).i32(rows).i32(cols).ptr(y).i32(yStride).f32(alpha).i32(flag(accumulate)));
    }

    /** {@code moe_align}: slots sorted by expert, runs padded to tiles of 8 ({@link MoeAlign} is the reference). */
    public void align(long ids, int nSlots, int nExpert, int maxTiles, long slotOrder, long tileExpert, long nTiles) {
        sink.launch(MOE, "moe_align", Plans.align(nExpert), KernelArgs.builder()
                .ptr(ids).i32(nSlots).i32(nExpert).i32(maxTiles).ptr(slotOrder).ptr(tileExpert).ptr(nTiles));
    }

    /** {@code moe_gate_up_grouped_<T>}: gate/up of every slot, one expert per tile. */
    public void gateUpGrouped(GgmlType t, long wg, long wu, long expertBytes, long gBias, long uBias, long x,
                              int xStride, int k, long slotOrder, long tileExpert, long nTiles, int maxTiles,
                              int nFf, int cols, int act, float alpha, float limit, long out) {
        sink.launch(MOE, "moe_gate_up_grouped_" + WeightTypes.suffix(t), Plans.gateUpGrouped(nFf, maxTiles),
                KernelArgs.builder()
                        .ptr(wg).ptr(wu).i64(expertBytes).ptr(gBias).ptr(uBias).ptr(x).i32(xStride).i32(k)
                        .ptr(slotOrder).ptr(tileExpert).ptr(nTiles)
                        .i32(nFf).i32(cols).i32(act).f32(alpha).f32(limit).ptr(out));
    }

    /** {@code moe_down_grouped_<T>}: down projection of every slot into {@code slotOut}. */
    public void downGrouped(GgmlType t, long wd, long expertBytes, long dBias, long act, long slotOrder,
                            long tileExpert, long nTiles, int maxTiles, int rows, int cols, long slotOut) {
        sink.launch(MOE, "moe_down_grouped_" + WeightTypes.suffix(t), Plans.downGrouped(rows, maxTiles),
                KernelArgs.builder()
                        .ptr(wd).i64(expertBytes).ptr(dBias).ptr(act).ptr(slotOrder).ptr(tileExpert).ptr(nTiles)
                        .i32(rows).i32(cols).ptr(slotOut));
    }

    /** {@code moe_combine}: weighted sum of the slots of each token, optional gate, residual add. */
    public void combine(long slotOut, long weights, long sgate, int sgateStride, int nTok, int k, int rows, long y,
                        int yStride, float alpha, boolean accumulate) {
        sink.launch(MOE, "moe_combine", Plans.combine(rows, nTok), KernelArgs.builder()
                .ptr(slotOut).ptr(weights).ptr(sgate).i32(sgateStride).i32(nTok).i32(k).i32(rows)
                .ptr(y).i32(yStride).f32(alpha).i32(flag(accumulate)));
    }

    // ---------------------------------------------------------------- util

    /** {@code add_scaled_f32}: {@code y += alpha * x}. */
    public void addScaled(long y, long x, long n, float alpha) {
        sink.launch(UTIL, "add_scaled_f32", Plans.util(n), KernelArgs.builder().ptr(y).ptr(x).i64(n).f32(alpha));
    }

    /** {@code copy_f32}. */
    public void copy(long src, long dst, long n) {
        sink.launch(UTIL, "copy_f32", Plans.util(n), KernelArgs.builder().ptr(src).ptr(dst).i64(n));
    }

    /** {@code swiglu_f32}. */
    public void swiglu(long g, long u, long out, long n, int act, float alpha, float limit) {
        sink.launch(UTIL, "swiglu_f32", Plans.util(n), KernelArgs.builder()
                .ptr(g).ptr(u).ptr(out).i64(n).i32(act).f32(alpha).f32(limit));
    }

    /** {@code kv_store_f16}: f16 row {@code *pos + t} of {@code dst} = f32 row t of {@code src} (n values). */
    public void kvStoreF16(long src, int srcTokStride, long dst, int dstTokStride, long pos, int nTok, int n) {
        sink.launch(UTIL, "kv_store_f16", Plans.kvStore(n, nTok), KernelArgs.builder()
                .ptr(src).i32(srcTokStride).ptr(dst).i32(dstTokStride).ptr(pos).i32(nTok).i32(n));
    }

    /** {@code argmax_f32}: index of the largest of n values (ties: lowest). */
    public void argmax(long x, int n, long out) {
        sink.launch(UTIL, "argmax_f32", Plans.argmax(), KernelArgs.builder().ptr(x).i32(n).ptr(out));
    }

    /** {@code add_int}: {@code *p += delta}. */
    public void addInt(long p, int delta) {
        sink.launch(UTIL, "add_int", Plans.single(), KernelArgs.builder().ptr(p).i32(delta));
    }
}
