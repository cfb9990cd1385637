package io.github.moe4j.cuda;

import io.github.moe4j.cpu.RopeConfig;
import io.github.moe4j.cpu.ScalarOps;
import io.github.moe4j.model.DecoderConfig;
import io.github.moe4j.model.MoeConfig;
import io.github.moe4j.model.QkNorm;

/**
 * The launches of one forward step of {@code nTok} tokens at device position {@code *pos}, as
 * {@code model/MoeDecoder} computes it, in the order of ABI.md's "launches per layer":
 *
 * <pre>
 * get_rows                                   h = token_embd[tokens] * embeddingScale
 * per layer:
 *   rmsnorm                                  xn = norm(h, attn_norm)
 *   linear_qkv (or linear q, k, v when their types differ); V -> V cache at pos (+ biases)
 *   [rmsnorm q, k: olmoe's FULL q/k norm]
 *   rope q in place; rope k -> K cache       (+ per-head q/k norm: qwen3moe)
 *   [f16 cache: V to scratch, K roped in scratch, kv_store_f16 both]
 *   attn_decode_split + combine (1 token) or attn_prefill
 *   linear attn_output, accumulated into h   (alpha = residualScale, + bias)
 *   moe_norm_router                          xn = norm(h, ffn_norm); router (+ shared gate) logits
 *   moe_route                                ids, weights
 *   experts: moe_gate_up + moe_down into h   (or align + grouped + combine for larger batches,
 *                                             or the CPU for hybrid layers + add_scaled)
 *   [shared expert: moe_gate_up + moe_down into h, gated by sigmoid(logit)]
 * rmsnorm + linear output                    logits * (1 / logitScale), when wanted
 * </pre>
 */
public final class DecoderStep {
    /** Batches from this many tokens take the grouped (align + tiles) MoE path. */
    public static final int GROUPED_FROM = 8;

    private final DecoderConfig c;
    private final CudaWeights w;

    public DecoderStep(DecoderConfig c, CudaWeights w) {
        this.c = c;
        this.w = w;
    }

    /** Emits a whole step: embedding, every layer, and the logits when {@code logits}. */
    public void emit(Kernels k, StepBuffers b, int nTok, boolean logits) {
        if (nTok <= 0 || nTok > b.ubatch()) {
            throw new IllegalArgumentException("step of " + nTok + " tokens, buffers for 1.." + b.ubatch());
        }
        int e = c.nEmbd();
        k.getRows(w.tokEmbd().type(), w.tokEmbd().ptr(), b.tokens(), nTok, e, b.h(), e, c.embeddingScale());
        for (int il = 0; il < c.nLayer(); il++) {
            attention(k, b, il, nTok);
            moe(k, b, il, nTok);
        }
        if (logits) {
            k.rmsnorm(b.h(), e, w.outputNorm(), b.xn(), e, 0, e, nTok, c.eps());
            CudaWeights.Mat o = w.output();
            k.linear(o.type(), o.ptr(), 0, 0, 0, b.xn(), e, 0, b.logits(), c.nVocab(), 0, 0,
                    c.nVocab(), e, nTok, 1, 1.0f / c.logitScale(), false);
        }
    }

    private void attention(Kernels k, StepBuffers b, int il, int nTok) {
        CudaWeights.Layer l = w.layers()[il];
        if (l.mla() != null) {
            mla(k, b, il, nTok);
            return;
        }
        int e = c.nEmbd();
        int qw = c.qWidth();
        int kw = c.kWidth();
        int vw = c.vWidth();
        int dk = c.headDimK();
        k.rmsnorm(b.h(), e, l.attnNorm(), b.xn(), e, 0, e, nTok, c.eps());
        boolean f16 = b.kvF16();
        long vDst = f16 ? b.vTmp() : b.vCache()[il];
        long vPos = f16 ? 0 : b.pos();
        if (l.wq().type() == l.wk().type() && l.wq().type() == l.wv().type()) {
            k.linearQkv(l.wq().type(), l.wq().ptr(), l.wk().ptr(), l.wv().ptr(), l.bq(), l.bk(), l.bv(), b.xn(), e,
                    b.q(), qw, b.kTmp(), kw, vDst, vw, vPos, qw, kw, vw, e, nTok);
        } else {
            proj(k, l.wq(), l.bq(), b.xn(), b.q(), qw, 0, nTok, 1f, false);
            proj(k, l.wk(), l.bk(), b.xn(), b.kTmp(), kw, 0, nTok, 1f, false);
            proj(k, l.wv(), l.bv(), b.xn(), vDst, vw, vPos, nTok, 1f, false);
        }
        long qNormHead = 0;
        long kNormHead = 0;
        if (c.qkNorm() == QkNorm.FULL) {
            k.rmsnorm(b.q(), qw, l.qNorm(), b.q(), qw, 0, qw, nTok, c.eps());
            k.rmsnorm(b.kTmp(), kw, l.kNorm(), b.kTmp(), kw, 0, kw, nTok, c.eps());
        } else if (c.qkNorm() == QkNorm.PER_HEAD) {
            qNormHead = l.qNorm();
            kNormHead = l.kNorm();
        }
        RopeConfig r = c.rope();
        boolean neox = r.style() == RopeConfig.Style.NEOX;
        k.rope(b.q(), qw, dk, b.q(), qw, dk, false, b.cos(), b.sin(), b.pos(), nTok, c.nHead(), r.nRot(), dk, neox,
                qNormHead, c.eps());
        if (f16) {
            // rows rotated in f32 scratch, then both stored rounded to f16 at *pos
            k.rope(b.kTmp(), kw, dk, b.kTmp(), kw, dk, false, b.cos(), b.sin(), b.pos(), nTok, c.nHeadKv(), r.nRot(),
                    dk, neox, kNormHead, c.eps());
            k.kvStoreF16(b.kTmp(), kw, b.kCache()[il], kw, b.pos(), nTok, kw);
            k.kvStoreF16(b.vTmp(), vw, b.vCache()[il], vw, b.pos(), nTok, vw);
        } else {
            k.rope(b.kTmp(), kw, dk, b.kCache()[il], kw, dk, true, b.cos(), b.sin(), b.pos(), nTok, c.nHeadKv(),
                    r.nRot(), dk, neox, kNormHead, c.eps());
        }
        int dv = c.headDimV();
        if (nTok == 1) {
            k.attnDecodeSplit(f16, b.q(), dk, b.kCache()[il], kw, b.vCache()[il], vw, b.pos(), c.nHead(), c.nHeadKv(), dk, dv,
                    c.attnScale(), l.window(), Plans.ATTN_CHUNK, b.maxSplit(), b.partO(), b.partML());
            k.attnDecodeCombine(b.partO(), b.partML(), l.sinks(), c.nHead(), dv, b.maxSplit(), b.att(), dv);
        } else {
            k.attnPrefill(f16, b.q(), qw, dk, b.kCache()[il], kw, b.vCache()[il], vw, b.pos(), nTok, c.nHead(), c.nHeadKv(),
                    dk, dv, c.attnScale(), l.window(), l.sinks(), b.att(), c.attnOutWidth(), dv);
        }
        // output projection fused with the residual add
        proj(k, l.wo(), l.bo(), b.att(), b.h(), e, 0, nTok, c.residualScale(), true);
    }

    /** {@code y = (acc ? y : 0) + alpha * (W x + bias)}, rows of y {@code yStride} apart (from *yPos when set). */
    private void proj(Kernels k, CudaWeights.Mat m, long bias, long x, long y, int yStride, long yPos, int nTok,
                      float alpha, boolean acc) {
        k.linear(m.type(), m.ptr(), 0, bias, 0, x, m.cols(), 0, y, yStride, 0, yPos, m.rows(), m.cols(), nTok, 1,
                alpha, acc);
    }

    /**
     * deepseek2's absorbed MLA, as {@code DeepSeek2Decoder.mla}: q (optionally through q_a + norm + q_b),
     * kv_a; Q[h] = [attn_k_b[h] q_nope[h], rope(q_pe[h])] (one batched linear over the heads, one rope
     * that copies and rotates); the cache row [norm(kv_cmpr), rope(k_pe)] written at *pos; attention with
     * one KV head, V the first kv_lora values of each row; attn_v_b per head; attn_output into h.
     */
    private void mla(Kernels k, StepBuffers b, int il, int nTok) {
        CudaWeights.Layer l = w.layers()[il];
        CudaWeights.MlaLayer m = l.mla();
        CudaWeights.Mla d = w.mla();
        int e = c.nEmbd();
        int nHead = c.nHead();
        int nRot = c.rope().nRot();
        int qk = d.qkNope() + nRot;
        int lora = d.kvLora();
        int kd = c.headDimK();   // lora + nRot
        int vh = d.vHead();
        k.rmsnorm(b.h(), e, l.attnNorm(), b.xn(), e, 0, e, nTok, c.eps());
        if (m.wq() != null) {
            proj(k, m.wq(), 0, b.xn(), b.qFull(), nHead * qk, 0, nTok, 1f, false);
        } else {
            proj(k, m.wqA(), 0, b.xn(), b.qA(), d.qLora(), 0, nTok, 1f, false);
            k.rmsnorm(b.qA(), d.qLora(), m.qANorm(), b.qA(), d.qLora(), 0, d.qLora(), nTok, c.eps());
            proj(k, m.wqB(), 0, b.qA(), b.qFull(), nHead * qk, 0, nTok, 1f, false);
        }
        proj(k, m.wkvA(), 0, b.xn(), b.kvA(), lora + nRot, 0, nTok, 1f, false);
        // q_nope -> kv_lora space, per head: Q[t][h][0 .. lora)
        CudaWeights.Mat kb = m.kB();
        k.linear(kb.type(), kb.ptr(), kb.sliceBytes(), 0, 0, b.qFull(), nHead * qk, qk, b.q(), nHead * kd, kd, 0,
                lora, d.qkNope(), nTok, nHead, 1f, false);
        // q_pe: copied and rotated into Q[t][h][lora ..]
        boolean neox = c.rope().style() == RopeConfig.Style.NEOX;
        k.rope(b.qFull() + 4L * d.qkNope(), nHead * qk, qk, b.q() + 4L * lora, nHead * kd, kd, false, b.cos(), b.sin(),
                b.pos(), nTok, nHead, nRot, nRot, neox, 0, c.eps());
        // the cache row: normed kv_cmpr, then the rotated k_pe
        long cache = b.kCache()[il];
        k.rmsnorm(b.kvA(), lora + nRot, m.kvANorm(), cache, kd, b.pos(), lora, nTok, c.eps());
        k.rope(b.kvA() + 4L * lora, lora + nRot, 0, cache + 4L * lora, kd, 0, true, b.cos(), b.sin(), b.pos(), nTok, 1,
                nRot, nRot, neox, 0, c.eps());
        if (nTok == 1) {
            k.attnDecodeSplit(b.q(), kd, cache, kd, cache, kd, b.pos(), nHead, 1, kd, lora, c.attnScale(), 0,
                    Plans.ATTN_CHUNK, b.maxSplit(), b.partO(), b.partML());
            k.attnDecodeCombine(b.partO(), b.partML(), 0, nHead, lora, b.maxSplit(), b.att(), lora);
        } else {
            k.attnPrefill(b.q(), nHead * kd, kd, cache, kd, cache, kd, b.pos(), nTok, nHead, 1, kd, lora, c.attnScale(),
                    0, 0, b.att(), nHead * lora, lora);
        }
        CudaWeights.Mat vb = m.vB();
        k.linear(vb.type(), vb.ptr(), vb.sliceBytes(), 0, 0, b.att(), nHead * lora, lora, b.headOut(), nHead * vh, vh,
                0, vh, lora, nTok, nHead, 1f, false);
        proj(k, l.wo(), 0, b.headOut(), b.h(), e, 0, nTok, c.residualScale(), true);
    }

    /** deepseek2's leading dense SwiGLU FFN, added to h. */
    private void dense(Kernels k, StepBuffers b, int il, int nTok) {
        CudaWeights.Layer l = w.layers()[il];
        CudaWeights.Dense d = l.dense();
        int e = c.nEmbd();
        int nFf = w.mla().nFf();
        k.rmsnorm(b.h(), e, l.ffnNorm(), b.xn(), e, 0, e, nTok, c.eps());
        k.gateUp(d.gate().type(), d.gate().ptr(), d.up().ptr(), 0, 0, 0, b.xn(), e, 0, 1, nTok, nFf, e,
                Kernels.ACT_SWIGLU, ScalarOps.OAI_ALPHA, ScalarOps.OAI_LIMIT, b.actDense());
        k.down(d.down().type(), d.down().ptr(), 0, 0, b.actDense(), 0, 0, 0, 0, 1, nTok, e, nFf, b.h(), e,
                c.residualScale(), true);
    }

    private void moe(Kernels k, StepBuffers b, int il, int nTok) {
        CudaWeights.Layer l = w.layers()[il];
        if (l.dense() != null) {
            dense(k, b, il, nTok);
            return;
        }
        MoeConfig m = c.moe();
        int e = c.nEmbd();
        int ls = m.nExpert() + 1;
        k.normRouter(l.router().type(), b.h(), e, l.ffnNorm(), c.eps(), e, l.router().ptr(), l.routerBias(),
                m.nExpert(), l.shexpGate(), b.xn(), e, b.routerLogits(), ls, nTok);
        k.route(b.routerLogits(), ls, l.selBias(), nTok, m.nExpert(), m.nUsed(), gating(m), m.normalize(),
                m.weightsScale(), m.nGroup(), m.nGroupUsed(), b.ids(), b.weights());
        int act = m.oaiSwiglu() ? Kernels.ACT_SWIGLU_OAI : Kernels.ACT_SWIGLU;
        float alpha = ScalarOps.OAI_ALPHA;
        float limit = ScalarOps.OAI_LIMIT;
        int nf = m.nFfExp();
        int kk = m.nUsed();
        if (l.expertsOnCpu()) {
            k.sink().hostExperts(il, nTok);
            k.addScaled(b.h(), b.moeOut(), (long) nTok * e, c.residualScale());
        } else if (nTok >= GROUPED_FROM && b.slotOut() != 0) {
            int slots = nTok * kk;
            int tiles = Plans.maxTiles(slots, m.nExpert());
            k.align(b.ids(), slots, m.nExpert(), tiles, b.slotOrder(), b.tileExpert(), b.nTiles());
            k.gateUpGrouped(l.gateExps().type(), l.gateExps().ptr(), l.upExps().ptr(), l.gateExps().sliceBytes(),
                    l.gateBias(), l.upBias(), b.xn(), e, kk, b.slotOrder(), b.tileExpert(), b.nTiles(), tiles,
                    nf, e, act, alpha, limit, b.act());
            k.downGrouped(l.downExps().type(), l.downExps().ptr(), l.downExps().sliceBytes(), l.downBias(), b.act(),
                    b.slotOrder(), b.tileExpert(), b.nTiles(), tiles, e, nf, b.slotOut());
            k.combine(b.slotOut(), b.weights(), 0, 0, nTok, kk, e, b.h(), e, c.residualScale(), true);
        } else {
            k.gateUp(l.gateExps().type(), l.gateExps().ptr(), l.upExps().ptr(), l.gateExps().sliceBytes(),
                    l.gateBias(), l.upBias(), b.xn(), e, b.ids(), kk, nTok, nf, e, act, alpha, limit, b.act());
            k.down(l.downExps().type(), l.downExps().ptr(), l.downExps().sliceBytes(), l.downBias(), b.act(),
                    b.ids(), b.weights(), 0, 0, kk, nTok, e, nf, b.h(), e, c.residualScale(), true);
        }
        if (l.gateShexp() != null) {
            int ns = m.nFfShexp();
            k.gateUp(l.gateShexp().type(), l.gateShexp().ptr(), l.upShexp().ptr(), 0, 0, 0, b.xn(), e, 0, 1, nTok,
                    ns, e, Kernels.ACT_SWIGLU, alpha, limit, b.actShared());
            long sgate = m.sharedGate() ? b.routerLogits() + 4L * m.nExpert() : 0;
            k.down(l.downShexp().type(), l.downShexp().ptr(), 0, 0, b.actShared(), 0, 0, sgate, ls, 1, nTok, e, ns,
                    b.h(), e, c.residualScale(), true);
        }
    }

    static int gating(MoeConfig m) {
        return switch (m.gating()) {
            case SOFTMAX -> Kernels.GATING_SOFTMAX;
            case SOFTMAX_WEIGHT -> Kernels.GATING_SOFTMAX_WEIGHT;
            case SIGMOID -> Kernels.GATING_SIGMOID;
        };
    }
}
