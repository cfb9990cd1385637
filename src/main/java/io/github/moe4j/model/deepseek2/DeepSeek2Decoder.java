package io.github.moe4j.model.deepseek2;

import io.github.moe4j.cpu.AttentionParams;
import io.github.moe4j.cpu.Rope;
import io.github.moe4j.cpu.VectorOps;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.model.Decoder;
import io.github.moe4j.model.DecoderConfig;
import io.github.moe4j.model.DecoderState;
import io.github.moe4j.model.ForwardObserver;
import io.github.moe4j.model.KvType;
import io.github.moe4j.model.Linear;
import io.github.moe4j.model.MoeBatch;
import io.github.moe4j.model.MoeBlock;
import io.github.moe4j.model.MoeWeights;
import io.github.moe4j.model.TensorBinder;
import io.github.moe4j.quant.BlockFormats;
import io.github.moe4j.tensor.Tensor;

/**
 * deepseek2's forward pass: MLA attention (absorbed), then a dense FFN in the first
 * {@code leading_dense_block_count} blocks and the shared MoE block after them.
 *
 * <pre>
 * q      = attn_q x  (or attn_q_b rmsnorm(attn_q_a x))       [n_head][qk_nope | qk_rope]
 * kv     = attn_kv_a_mqa x                                   [kv_lora | qk_rope]
 * Q[h]   = [attn_k_b[h] q_nope[h], rope(q_pe[h])]            [kv_lora + qk_rope]
 * K      = [rmsnorm(kv_cmpr), rope(k_pe)], V = rmsnorm(kv_cmpr)   (one KV head shared by all heads)
 * out    = attn_output [attn_v_b[h] attention(Q[h], K, V)]_h
 * </pre>
 */
final class DeepSeek2Decoder implements Decoder {
    private final DecoderConfig c;
    private final DeepSeek2.Hparams hp;
    private final Linear lin;
    private final Tensor tokEmbd;        // [n_vocab][n_embd]
    private final float[] outputNorm;    // [n_embd]
    private final Tensor output;         // [n_vocab][n_embd]
    private final MlaWeights[] attn;     // per layer
    private final float[][] ffnNorm;     // per layer [n_embd]
    private final Tensor[] dGate;        // dense layers: [n_ff][n_embd]
    private final Tensor[] dUp;          // [n_ff][n_embd]
    private final Tensor[] dDown;        // [n_embd][n_ff]
    private final MoeWeights[] moe;      // MoE layers, null for dense ones
    private final AttentionParams params;

    DeepSeek2Decoder(GgufModel gguf, DecoderConfig c, DeepSeek2.Hparams hp, Linear lin) {
        BlockFormats.checkSupported(gguf);
        this.c = c;
        this.hp = hp;
        this.lin = lin;
        TensorBinder b = new TensorBinder(gguf);
        long e = c.nEmbd();
        tokEmbd = b.required("token_embd.weight", e, c.nVocab());
        outputNorm = b.vector("output_norm.weight", e, true);
        Tensor out = b.optional("output.weight", e, c.nVocab());
        output = out != null ? out : tokEmbd;
        int n = c.nLayer();
        attn = new MlaWeights[n];
        ffnNorm = new float[n][];
        dGate = new Tensor[n];
        dUp = new Tensor[n];
        dDown = new Tensor[n];
        moe = new MoeWeights[n];
        long nFf = hp.common().nFf();
        for (int il = 0; il < n; il++) {
            attn[il] = MlaWeights.bind(b, hp, il);
            String p = "blk." + il + ".";
            if (il < hp.nDense()) {
                ffnNorm[il] = b.vector(p + "ffn_norm.weight", e, true);
                dGate[il] = b.required(p + "ffn_gate.weight", e, nFf);
                dUp[il] = b.required(p + "ffn_up.weight", e, nFf);
                dDown[il] = b.required(p + "ffn_down.weight", nFf, e);
            } else {
                moe[il] = MoeWeights.bind(b, c, il);
                ffnNorm[il] = moe[il].norm();
            }
        }
        params = AttentionParams.of(c.attnScale());
    }

    @Override
    public DecoderConfig config() {
        return c;
    }

    @Override
    public DecoderState newState(int nCtx, KvType kvType) {
        return new MlaState(c, hp, nCtx, kvType);
    }

    @Override
    public void forward(DecoderState st, int[] tokens, int off, int n, float[] logits, int logitsOff,
                        ForwardObserver obs) {
        MlaState s = state(st);
        Decoder.checkForward(s, c.nVocab(), tokens, off, n, logits, logitsOff);
        if (n == 1) {
            token(s, tokens[off], 0, logits, logitsOff, obs);
            s.advance();
            return;
        }
        for (int b = 0; b < n; b += s.ubatch) {
            int nb = Math.min(s.ubatch, n - b);
            batch(s, tokens, off + b, nb, b, logits, logits == null ? 0 : logitsOff + b * c.nVocab(), obs);
        }
    }

    /**
     * Prefill of {@code nb <= ubatch} tokens: MLA and dense blocks as matmuls over the batch, MoE
     * blocks grouped by expert ({@link MoeBatch}); what {@link #token} computes for each in turn, up to
     * the kernels' summation order.
     */
    private void batch(MlaState s, int[] tokens, int off, int nb, int t0, float[] logits, int lo,
                       ForwardObserver obs) {
        int e = c.nEmbd();
        int p0 = s.position();
        for (int t = 0; t < nb; t++) {
            BlockFormats.of(tokEmbd.type()).dequantize(tokEmbd.data(), tokens[off + t] * tokEmbd.rowBytes(), s.bh,
                    t * e, e);
        }
        for (int il = 0; il < c.nLayer(); il++) {
            MlaWeights w = attn[il];
            for (int t = 0; t < nb; t++) {
                VectorOps.rmsNorm(s.bh, t * e, w.norm(), 0, s.bxn, t * e, e, c.eps());
            }
            mlaBatch(s, w, il, p0, nb);
            VectorOps.add(s.bh, 0, s.bout, 0, s.bh, 0, nb * e);
            if (moe[il] == null) {
                for (int t = 0; t < nb; t++) {
                    VectorOps.rmsNorm(s.bh, t * e, ffnNorm[il], 0, s.bxn, t * e, e, c.eps());
                }
                denseBatch(s, il, nb);
                VectorOps.add(s.bh, 0, s.bout, 0, s.bh, 0, nb * e);
            } else {
                for (int t = 0; t < nb; t++) {
                    VectorOps.rmsNorm(s.bh, t * e, ffnNorm[il], 0, s.bxn, t * e, e, c.eps());
                }
                MoeBatch.dispatch(lin, c, moe[il], s, il, t0, nb, obs);
                for (int t = 0; t < nb; t++) {
                    MoeBatch.combine(lin, c, moe[il], s, t);
                    VectorOps.add(s.bh, t * e, s.out, 0, s.bh, t * e, e);
                }
            }
            if (obs != null) {
                for (int t = 0; t < nb; t++) {
                    obs.layerOutput(il, t0 + t, s.bh, t * e);
                }
            }
        }
        for (int t = 0; t < nb; t++) {
            VectorOps.rmsNorm(s.bh, t * e, outputNorm, 0, s.xn, 0, e, c.eps());
            if (obs != null) {
                obs.finalNorm(t0 + t, s.xn, 0);
            }
            if (logits != null) {
                lin.matvec(output, s.xn, 0, logits, lo + t * c.nVocab());
            }
            s.advance();
        }
    }

    @Override
    public void decode(DecoderState st, int token, float[] logits) {
        MlaState s = state(st);
        if (s.position() >= s.contextSize()) {
            throw new IllegalStateException("context full: " + s.contextSize() + " tokens");
        }
        Decoder.checkToken(token, c.nVocab());
        token(s, token, 0, logits, 0, null);
        s.advance();
    }

    private MlaState state(DecoderState st) {
        if (!(st instanceof MlaState s) || st.config() != c) {
            throw new IllegalArgumentException("state belongs to another model");
        }
        return s;
    }

    private void token(MlaState s, int tok, int i, float[] logits, int lo, ForwardObserver obs) {
        int e = c.nEmbd();
        BlockFormats.of(tokEmbd.type()).dequantize(tokEmbd.data(), tok * tokEmbd.rowBytes(), s.h, 0, e);
        int pos = s.position();
        for (int il = 0; il < c.nLayer(); il++) {
            MlaWeights w = attn[il];
            VectorOps.rmsNorm(s.h, 0, w.norm(), 0, s.xn, 0, e, c.eps());
            mla(s, w, il, pos);
            VectorOps.add(s.h, 0, s.out, 0, s.h, 0, e);
            VectorOps.rmsNorm(s.h, 0, ffnNorm[il], 0, s.xn, 0, e, c.eps());
            if (moe[il] == null) {
                dense(s, il);
            } else {
                MoeBlock.forward(lin, c, moe[il], s, il, i, obs);
            }
            VectorOps.add(s.h, 0, s.out, 0, s.h, 0, e);
            if (obs != null) {
                obs.layerOutput(il, i, s.h, 0);
            }
        }
        VectorOps.rmsNorm(s.h, 0, outputNorm, 0, s.xn, 0, e, c.eps());
        if (obs != null) {
            obs.finalNorm(i, s.xn, 0);
        }
        if (logits != null) {
            lin.matvec(output, s.xn, 0, logits, lo);
        }
    }

    /** Reads {@code s.xn}, writes {@code s.out}. */
    private void mla(MlaState s, MlaWeights w, int il, int pos) {
        int nHead = c.nHead();
        int nRot = hp.common().nRot();
        int nope = hp.qkNope();
        int qk = nope + nRot;
        int lora = hp.kvLoraRank();
        int kd = c.headDimK();   // lora + nRot
        // the two projections of x in one parallel region, and below each per-head product set in one
        s.job(0, w.wq() != null ? w.wq() : w.wqA(), s.xn, 0, w.wq() != null ? s.qFull : s.qA, 0);
        s.job(1, w.wkvA(), s.xn, 0, s.kvA, 0);
        s.matvecs(lin, 2);
        if (w.wq() == null) {
            VectorOps.rmsNorm(s.qA, 0, w.qANorm(), 0, s.qA, 0, hp.qLoraRank(), c.eps());
            lin.matvec(w.wqB(), s.qA, 0, s.qFull, 0);
        }
        for (int h = 0; h < nHead; h++) {
            s.job(h, w.kB()[h], s.qFull, h * qk, s.q, h * kd);                  // q_nope -> kv_lora space
            System.arraycopy(s.qFull, h * qk + nope, s.q, h * kd + lora, nRot);  // q_pe
        }
        s.matvecs(lin, nHead);
        Rope.applyBatch(s.rope, s.q, lora, 1, nHead * kd, nHead, kd, pos);
        VectorOps.rmsNorm(s.kvA, 0, w.kvANorm(), 0, s.kCur, 0, lora, c.eps());
        System.arraycopy(s.kvA, lora, s.kCur, lora, nRot);
        Rope.applyBatch(s.rope, s.kCur, lora, 1, kd, 1, kd, pos);
        s.k[il].store(pos, s.kCur, 0);   // V is a view of the first kv_lora values of this row
        s.attend(lin, s.q, 1, pos, nHead, il, params, s.att);
        int vh = hp.vHeadDim();
        for (int h = 0; h < nHead; h++) {
            s.job(h, w.vB()[h], s.att, h * lora, s.headOut, h * vh);
        }
        s.matvecs(lin, nHead);
        lin.matvec(w.wo(), s.headOut, 0, s.out, 0);
    }

    /**
     * {@link #mla} for {@code nb} tokens at positions {@code p0 ..}: every projection one matmul over
     * the batch (the per-head absorbed products one matmul per head), then causal attention of the
     * batch. Reads {@code s.bxn [nb][n_embd]}, writes {@code s.bout [nb][n_embd]}.
     */
    private void mlaBatch(MlaState s, MlaWeights w, int il, int p0, int nb) {
        int e = c.nEmbd();
        int nHead = c.nHead();
        int nRot = hp.common().nRot();
        int nope = hp.qkNope();
        int qk = nope + nRot;
        int lora = hp.kvLoraRank();
        int kd = c.headDimK();
        int vh = hp.vHeadDim();
        int qw = nHead * qk;
        int kvw = lora + nRot;
        if (w.wq() != null) {
            lin.matmul(w.wq(), s.bxn, 0, e, nb, s.bqFull, 0, qw);
        } else {
            int ql = hp.qLoraRank();
            lin.matmul(w.wqA(), s.bxn, 0, e, nb, s.bqA, 0, ql);
            for (int t = 0; t < nb; t++) {
                VectorOps.rmsNorm(s.bqA, t * ql, w.qANorm(), 0, s.bqA, t * ql, ql, c.eps());
            }
            lin.matmul(w.wqB(), s.bqA, 0, ql, nb, s.bqFull, 0, qw);
        }
        lin.matmul(w.wkvA(), s.bxn, 0, e, nb, s.bkvA, 0, kvw);
        for (int h = 0; h < nHead; h++) {      // q_nope -> kv_lora space, head by head over the batch
            lin.matmul(w.kB()[h], s.bqFull, h * qk, qw, nb, s.bq, h * kd, nHead * kd);
        }
        for (int t = 0; t < nb; t++) {
            int qo = t * nHead * kd;
            for (int h = 0; h < nHead; h++) {
                System.arraycopy(s.bqFull, t * qw + h * qk + nope, s.bq, qo + h * kd + lora, nRot);  // q_pe
            }
            Rope.applyBatch(s.rope, s.bq, qo + lora, 1, nHead * kd, nHead, kd, p0 + t);
            VectorOps.rmsNorm(s.bkvA, t * kvw, w.kvANorm(), 0, s.kCur, 0, lora, c.eps());
            System.arraycopy(s.bkvA, t * kvw + lora, s.kCur, lora, nRot);
            Rope.applyBatch(s.rope, s.kCur, lora, 1, kd, 1, kd, p0 + t);
            s.k[il].store(p0 + t, s.kCur, 0);
        }
        s.attend(lin, s.bq, nb, p0, nHead, il, params, s.batt);
        for (int h = 0; h < nHead; h++) {
            lin.matmul(w.vB()[h], s.batt, h * lora, nHead * lora, nb, s.bheadOut, h * vh, nHead * vh);
        }
        lin.matmul(w.wo(), s.bheadOut, 0, nHead * vh, nb, s.bout, 0, e);
    }

    /** {@link #dense} for {@code nb} tokens: reads {@code s.bxn}, writes {@code s.bout}. */
    private void denseBatch(MlaState s, int il, int nb) {
        int e = c.nEmbd();
        int nFf = hp.common().nFf();
        for (int t0 = 0; t0 < nb; t0 += MlaState.DENSE_CHUNK) {
            int n = Math.min(MlaState.DENSE_CHUNK, nb - t0);
            lin.matmulPair(dGate[il], dUp[il], s.bxn, t0 * e, e, n, s.bdGate, s.bdUp, 0, nFf);
            VectorOps.swiglu(s.bdGate, 0, s.bdUp, 0, s.bdAct, 0, n * nFf);
            lin.matmul(dDown[il], s.bdAct, 0, nFf, n, s.bout, t0 * e, e);
        }
    }

    /** Dense SwiGLU FFN of a leading block: reads {@code s.xn}, writes {@code s.out}. */
    private void dense(MlaState s, int il) {
        int nFf = hp.common().nFf();
        s.job(0, dGate[il], s.xn, 0, s.dGate, 0);
        s.job(1, dUp[il], s.xn, 0, s.dUp, 0);
        s.matvecs(lin, 2);
        VectorOps.swiglu(s.dGate, 0, s.dUp, 0, s.dAct, 0, nFf);
        lin.matvec(dDown[il], s.dAct, 0, s.out, 0);
    }
}
