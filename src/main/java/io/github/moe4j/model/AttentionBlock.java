package io.github.moe4j.model;

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
        // q, k and v in one parallel region
        s.job(0, w.wq(), s.xn, 0, s.q, 0);
        s.job(1, w.wk(), s.xn, 0, s.kCur, 0);
        s.job(2, w.wv(), s.xn, 0, s.vCur, 0);
        s.matvecs(lin, 3);
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
        s.attnTask.run(lin, s.q, 1, pos, c.nHead(), il, params, s.att);
        lin.matvec(w.wo(), s.att, 0, s.out, 0);
        if (w.bo() != null) {
            VectorOps.add(s.out, 0, w.bo(), 0, s.out, 0, c.nEmbd());
        }
    }

    /**
     * Self-attention of {@code nb} consecutive tokens at positions {@code p0 ..} (prefill): the
     * projections run as one matmul each, so every weight is read once per batch instead of once per
     * token; then per token biases, q/k norm, RoPE and the cache write, then causal attention for the
     * batch (token t sees keys up to {@code p0 + t}). Reads {@code s.bxn [nb][n_embd]}, writes
     * {@code s.bout [nb][n_embd]}.
     */
    static void forwardBatch(Linear lin, DecoderConfig c, AttentionWeights w, AttentionParams params, DecoderState s,
                             int il, int p0, int nb) {
        int e = c.nEmbd();
        int qw = c.qWidth();
        int kw = c.kWidth();
        int vw = c.vWidth();
        lin.matmul(w.wq(), s.bxn, 0, e, nb, s.bq, 0, qw);
        lin.matmul(w.wk(), s.bxn, 0, e, nb, s.bk, 0, kw);
        lin.matmul(w.wv(), s.bxn, 0, e, nb, s.bv, 0, vw);
        for (int t = 0; t < nb; t++) {
            int qo = t * qw;
            int ko = t * kw;
            int vo = t * vw;
            if (w.bq() != null) {
                VectorOps.add(s.bq, qo, w.bq(), 0, s.bq, qo, qw);
                VectorOps.add(s.bk, ko, w.bk(), 0, s.bk, ko, kw);
                VectorOps.add(s.bv, vo, w.bv(), 0, s.bv, vo, vw);
            }
            switch (c.qkNorm()) {
                case PER_HEAD -> {
                    VectorOps.rmsNormHeads(s.bq, qo, c.nHead(), c.headDimK(), w.qNorm(), 0, c.eps());
                    VectorOps.rmsNormHeads(s.bk, ko, c.nHeadKv(), c.headDimK(), w.kNorm(), 0, c.eps());
                }
                case FULL -> {
                    VectorOps.rmsNorm(s.bq, qo, w.qNorm(), 0, s.bq, qo, qw, c.eps());
                    VectorOps.rmsNorm(s.bk, ko, w.kNorm(), 0, s.bk, ko, kw, c.eps());
                }
                case NONE -> {
                }
            }
            Rope.apply(s.rope, s.bq, qo, c.nHead(), c.headDimK(), p0 + t);
            Rope.apply(s.rope, s.bk, ko, c.nHeadKv(), c.headDimK(), p0 + t);
            s.k[il].store(p0 + t, s.bk, ko);
            s.v[il].store(p0 + t, s.bv, vo);
        }
        s.attnTask.run(lin, s.bq, nb, p0, c.nHead(), il, params, s.batt);
        lin.matmul(w.wo(), s.batt, 0, c.attnOutWidth(), nb, s.bout, 0, e);
        if (w.bo() != null) {
            for (int t = 0; t < nb; t++) {
                VectorOps.add(s.bout, t * e, w.bo(), 0, s.bout, t * e, e);
            }
        }
    }
}
