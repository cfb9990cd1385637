package io.github.moe4j.model;

import io.github.moe4j.cpu.Attention;
import io.github.moe4j.cpu.AttentionParams;
import io.github.moe4j.cpu.Rope;
import io.github.moe4j.cpu.VectorOps;

/**
 * Self-attention of one token against the layer's KV cache: projections (+ biases), q/k RMSNorm
 * where the family has it, RoPE, cache write, causal GQA attention, output projection. Reads
 * {@code s.xn}, writes {@code s.out}.
 */
final class AttentionBlock {
    private AttentionBlock() {
    }

    static void forward(Linear lin, DecoderConfig c, AttentionWeights w, AttentionParams params, DecoderState s,
                        int il, int pos) {
        lin.matvec(w.wq(), s.xn, 0, s.q, 0);
        lin.matvec(w.wk(), s.xn, 0, s.kCur, 0);
        lin.matvec(w.wv(), s.xn, 0, s.vCur, 0);
        if (w.bq() != null) {
            VectorOps.add(s.q, 0, w.bq(), 0, s.q, 0, c.qWidth());
            VectorOps.add(s.kCur, 0, w.bk(), 0, s.kCur, 0, c.kWidth());
            VectorOps.add(s.vCur, 0, w.bv(), 0, s.vCur, 0, c.vWidth());
        }
        switch (c.qkNorm()) {
            case PER_HEAD -> {
                VectorOps.rmsNormHeads(s.q, 0, c.nHead(), c.headDimK(), w.qNorm(), 0, c.eps());
                VectorOps.rmsNormHeads(s.kCur, 0, c.nHeadKv(), c.headDimK(), w.kNorm(), 0, c.eps());
            }
            case FULL -> {
                VectorOps.rmsNorm(s.q, 0, w.qNorm(), 0, s.q, 0, c.qWidth(), c.eps());
                VectorOps.rmsNorm(s.kCur, 0, w.kNorm(), 0, s.kCur, 0, c.kWidth(), c.eps());
            }
            case NONE -> {
            }
        }
        Rope.apply(s.rope, s.q, 0, c.nHead(), c.headDimK(), pos);
        Rope.apply(s.rope, s.kCur, 0, c.nHeadKv(), c.headDimK(), pos);
        s.k[il].store(pos, s.kCur, 0);
        s.v[il].store(pos, s.vCur, 0);
        Attention.attend(s.q, 0, c.nHead(), s.k[il], s.v[il], pos, params, s.att, 0, s.attnScratch, 0, c.nHead());
        lin.matvec(w.wo(), s.att, 0, s.out, 0);
        if (w.bo() != null) {
            VectorOps.add(s.out, 0, w.bo(), 0, s.out, 0, c.nEmbd());
        }
    }
}
