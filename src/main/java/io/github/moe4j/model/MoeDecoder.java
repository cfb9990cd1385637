package io.github.moe4j.model;

import io.github.moe4j.cpu.AttentionParams;
import io.github.moe4j.cpu.VectorOps;
import io.github.moe4j.gguf.GgufModel;
import io.github.moe4j.quant.BlockFormat;
import io.github.moe4j.quant.BlockFormats;
import io.github.moe4j.tensor.Tensor;

/**
 * A pre-norm MoE decoder bound to a GGUF file: the shared forward pass of the llama-like MoE
 * families (qwen3moe, qwen2moe, olmoe, llama/Mixtral, granitemoe). Immutable and shareable; every
 * mutable thing lives in a {@link DecoderState}.
 *
 * <pre>
 * h = token_embd[t] * embeddingScale
 * per block: h += residualScale * attn(rmsnorm(h, attn_norm))
 *            h += residualScale * moe(rmsnorm(h, ffn_norm))
 * logits = output(rmsnorm(h, output_norm)) * (1 / logitScale)
 * </pre>
 */
public final class MoeDecoder implements Decoder {
    private final DecoderConfig c;
    private final Linear lin;
    private final Tensor tokEmbd;          // [n_vocab][n_embd]
    private final float[] outputNorm;      // [n_embd]
    private final Tensor output;           // [n_vocab][n_embd]; token_embd when tied
    private final AttentionWeights[] attn; // per layer
    private final MoeWeights[] moe;        // per layer
    private final AttentionParams[] attnParams; // per layer: scale, sinks, window

    public MoeDecoder(GgufModel gguf, DecoderConfig c, Linear lin) {
        BlockFormats.checkSupported(gguf);
        this.c = c;
        this.lin = lin;
        TensorBinder b = new TensorBinder(gguf);
        this.tokEmbd = b.required("token_embd.weight", c.nEmbd(), c.nVocab());
        this.outputNorm = b.vector("output_norm.weight", c.nEmbd(), true);
        Tensor out = b.optional("output.weight", c.nEmbd(), c.nVocab());
        this.output = out != null ? out : tokEmbd;
        this.attn = new AttentionWeights[c.nLayer()];
        this.moe = new MoeWeights[c.nLayer()];
        for (int il = 0; il < c.nLayer(); il++) {
            attn[il] = AttentionWeights.bind(b, c, il);
            moe[il] = MoeWeights.bind(b, c, il);
        }
        this.attnParams = new AttentionParams[c.nLayer()];
        for (int il = 0; il < c.nLayer(); il++) {
            attnParams[il] = new AttentionParams(c.attnScale(), attn[il].sinks(), c.attn().window(il));
        }
    }

    @Override
    public DecoderConfig config() {
        return c;
    }

    @Override
    public DecoderState newState(int nCtx, KvType kvType) {
        return new DecoderState(c, nCtx, DecoderState.UBATCH, kvType);
    }

    @Override
    public void forward(DecoderState s, int[] tokens, int off, int n, float[] logits, int logitsOff,
                        ForwardObserver obs) {
        if (s.c != c) {
            throw new IllegalArgumentException("state belongs to another model");
        }
        Decoder.checkForward(s, c.nVocab(), tokens, off, n, logits, logitsOff);
        if (n == 1) {
            token(s, tokens[off], 0, logits, logitsOff, obs);
            s.pos++;
            return;
        }
        for (int b = 0; b < n; b += s.ubatch) {
            int nb = Math.min(s.ubatch, n - b);
            batch(s, tokens, off + b, nb, b, logits, logits == null ? 0 : logitsOff + b * c.nVocab(), obs);
        }
    }

    @Override
    public void decode(DecoderState s, int token, float[] logits) {
        if (s.pos + 1 > s.nCtx) {
            throw new IllegalStateException("context full: " + s.nCtx + " tokens");
        }
        Decoder.checkToken(token, c.nVocab());
        token(s, token, 0, logits, 0, null);
        s.pos++;
    }

    private void token(DecoderState s, int tok, int i, float[] logits, int lo, ForwardObserver obs) {
        int e = c.nEmbd();
        BlockFormat ef = BlockFormats.of(tokEmbd.type());
        ef.dequantize(tokEmbd.data(), tok * tokEmbd.rowBytes(), s.h, 0, e);
        if (c.embeddingScale() != 1f) {
            VectorOps.scale(s.h, 0, s.h, 0, e, c.embeddingScale());
        }
        for (int il = 0; il < c.nLayer(); il++) {
            AttentionWeights aw = attn[il];
            VectorOps.rmsNorm(s.h, 0, aw.norm(), 0, s.xn, 0, e, c.eps());
            AttentionBlock.forward(lin, c, aw, attnParams[il], s, il, s.pos);
            residual(s);
            MoeWeights mw = moe[il];
            VectorOps.rmsNorm(s.h, 0, mw.norm(), 0, s.xn, 0, e, c.eps());
            MoeBlock.forward(lin, c, mw, s, il, i, obs);
            residual(s);
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
            if (c.logitScale() != 1f) {
                VectorOps.scale(logits, lo, logits, lo, c.nVocab(), 1.0f / c.logitScale());
            }
        }
    }

    /**
     * Prefill of {@code nb <= ubatch} tokens: attention token by token (each sees the keys stored
     * before it), the MoE block grouped by expert over the whole batch ({@link MoeBatch}).
     * Computes exactly what {@link #token} computes for each token in turn.
     */
    private void batch(DecoderState s, int[] tokens, int off, int nb, int t0, float[] logits, int lo,
                       ForwardObserver obs) {
        int e = c.nEmbd();
        int p0 = s.pos;
        BlockFormat ef = BlockFormats.of(tokEmbd.type());
        for (int t = 0; t < nb; t++) {
            ef.dequantize(tokEmbd.data(), tokens[off + t] * tokEmbd.rowBytes(), s.bh, t * e, e);
            if (c.embeddingScale() != 1f) {
                VectorOps.scale(s.bh, t * e, s.bh, t * e, e, c.embeddingScale());
            }
        }
        for (int il = 0; il < c.nLayer(); il++) {
            AttentionWeights aw = attn[il];
            for (int t = 0; t < nb; t++) {
                VectorOps.rmsNorm(s.bh, t * e, aw.norm(), 0, s.bxn, t * e, e, c.eps());
            }
            AttentionBlock.forwardBatch(lin, c, aw, attnParams[il], s, il, p0, nb);
            for (int t = 0; t < nb; t++) {
                residual(s.bh, t * e, s.bout, t * e);
            }
            MoeWeights mw = moe[il];
            for (int t = 0; t < nb; t++) {
                VectorOps.rmsNorm(s.bh, t * e, mw.norm(), 0, s.bxn, t * e, e, c.eps());
            }
            MoeBatch.dispatch(lin, c, mw, s, il, t0, nb, obs);
            for (int t = 0; t < nb; t++) {
                MoeBatch.combine(lin, c, mw, s, t);
                residual(s.bh, t * e, s.out, 0);
                if (obs != null) {
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
                int r = lo + t * c.nVocab();
                lin.matvec(output, s.xn, 0, logits, r);
                if (c.logitScale() != 1f) {
                    VectorOps.scale(logits, r, logits, r, c.nVocab(), 1.0f / c.logitScale());
                }
            }
        }
        s.pos = p0 + nb;
    }

    private void residual(float[] h, int hOff, float[] out, int outOff) {
        if (c.residualScale() != 1f) {
            VectorOps.addScaled(h, hOff, out, outOff, c.nEmbd(), c.residualScale());
        } else {
            VectorOps.add(h, hOff, out, outOff, h, hOff, c.nEmbd());
        }
    }

    private void residual(DecoderState s) {
        if (c.residualScale() != 1f) {
            VectorOps.addScaled(s.h, 0, s.out, 0, c.nEmbd(), c.residualScale());
        } else {
            VectorOps.add(s.h, 0, s.out, 0, s.h, 0, c.nEmbd());
        }
    }
}
