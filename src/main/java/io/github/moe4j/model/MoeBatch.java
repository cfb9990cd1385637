package io.github.moe4j.model;

import io.github.moe4j.cpu.VectorOps;

import java.util.Arrays;

/**
 * The routed feed-forward block for a batch of tokens (prefill), grouped by expert: every token is
 * routed, the (token, slot) pairs are counting-sorted by expert, and each chosen expert runs once
 * on all its tokens ({@link Linear#matmul}), so its weights are read once per batch. Each token's
 * output is then summed in its own top-k slot order, exactly as {@link MoeBlock} does for one token.
 *
 * <p>Reads {@code s.bxn[nb][n_embd]}; {@link #combine} leaves token t's output in {@code s.out}.
 */
public final class MoeBatch {
    private MoeBatch() {
    }

    /** Routes the batch and computes every chosen expert's output into {@code s.bSlot}. */
    public static void dispatch(Linear lin, DecoderConfig c, MoeWeights w, DecoderState s, int il, int t0, int nb,
                         ForwardObserver obs) {
        MoeConfig m = c.moe();
        int e = c.nEmbd();
        int k = m.nUsed();
        int nf = m.nFfExp();
        // router logits of the whole batch in one product, then each token's choice
        int ne = m.nExpert();
        lin.matmul(w.gateInp(), s.bxn, 0, e, nb, s.bRouter, 0, ne);
        Arrays.fill(s.bCount, 0);
        for (int t = 0; t < nb; t++) {
            System.arraycopy(s.bRouter, t * ne, s.router, 0, ne);
            MoeBlock.select(m, w, s);
            if (obs != null) {
                obs.routed(il, t0 + t, s.topIdx, s.topW, k);
            }
            for (int j = 0; j < k; j++) {
                s.bIdx[t * k + j] = s.topIdx[j];
                s.bW[t * k + j] = s.topW[j];
                s.bCount[s.topIdx[j]]++;
            }
        }
        // counting sort of the (token, slot) pairs by expert
        int acc = 0;
        for (int x = 0; x < m.nExpert(); x++) {
            s.bStart[x] = acc;
            acc += s.bCount[x];
        }
        for (int x = 0; x < m.nExpert(); x++) {
            s.bFill[x] = s.bStart[x];
        }
        for (int p = 0; p < nb * k; p++) {
            s.bOrder[s.bFill[s.bIdx[p]]++] = p;
        }
        // each expert once over its tokens
        for (int x = 0; x < m.nExpert(); x++) {
            int cnt = s.bCount[x];
            if (cnt == 0) {
                continue;
            }
            int from = s.bStart[x];
            for (int i = 0; i < cnt; i++) {
                int t = s.bOrder[from + i] / k;
                System.arraycopy(s.bxn, t * e, s.gIn, i * e, e);
            }
            lin.matmulPair(w.gate()[x], w.up()[x], s.gIn, 0, e, cnt, s.gGate, s.gUp, 0, nf);
            for (int i = 0; i < cnt; i++) {
                MoeBlock.activate(m, w, x, s.gGate, s.gUp, s.gAct, i * nf);
            }
            lin.matmul(w.down()[x], s.gAct, 0, nf, cnt, s.gOut, 0, e);
            for (int i = 0; i < cnt; i++) {
                int p = s.bOrder[from + i];
                if (w.downBias() != null) {
                    VectorOps.add(s.gOut, i * e, w.downBias(), x * e, s.gOut, i * e, e);
                }
                System.arraycopy(s.gOut, i * e, s.bSlot, p * e, e);
            }
        }
        if (w.gateShexp() != null) {
            // the shared expert over the whole batch: each of its matrices read once
            int ns = m.nFfShexp();
            lin.matmulPair(w.gateShexp(), w.upShexp(), s.bxn, 0, e, nb, s.sGate, s.sUp, 0, ns);
            for (int t = 0; t < nb; t++) {
                VectorOps.swiglu(s.sGate, t * ns, s.sUp, t * ns, s.sAct, t * ns, ns);
            }
            lin.matmul(w.downShexp(), s.sAct, 0, ns, nb, s.sOut, 0, e);
        }
    }

    /** Token {@code t}'s block output into {@code s.out}: its experts in slot order, then the shared expert. */
    public static void combine(Linear lin, DecoderConfig c, MoeWeights w, DecoderState s, int t) {
        int e = c.nEmbd();
        int k = c.moe().nUsed();
        Arrays.fill(s.out, 0, e, 0f);
        for (int j = 0; j < k; j++) {
            VectorOps.addScaled(s.out, 0, s.bSlot, (t * k + j) * e, e, s.bW[t * k + j]);
        }
        if (w.gateShexp() != null) {
            System.arraycopy(s.bxn, t * e, s.xn, 0, e);
            System.arraycopy(s.sOut, t * e, s.ffOut, 0, e);
            MoeBlock.addShared(c, w, s);
        }
    }
}
