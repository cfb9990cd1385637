package io.github.moe4j.model;

import io.github.moe4j.cpu.TopK;
import io.github.moe4j.cpu.VectorOps;
import io.github.moe4j.tensor.Tensor;

import java.util.Arrays;

/**
 * The routed feed-forward block for one token: router logits {@code ffn_gate_inp x}, softmax,
 * top-k, optional renormalisation and scale, then {@code sum_j w_j down_j(silu(gate_j x) * up_j x)}
 * over the chosen experts, plus the shared expert (optionally gated by a sigmoid). Reads
 * {@code s.xn}, writes {@code s.out}.
 */
final class MoeBlock {
    /** llama.cpp clamps the renormalisation denominator to this. */
    static final float MIN_WEIGHT_SUM = 6.103515625e-5f;

    private MoeBlock() {
    }

    static void forward(Linear lin, DecoderConfig c, MoeWeights w, DecoderState s, int il, int token,
                        ForwardObserver obs) {
        MoeConfig m = c.moe();
        int e = c.nEmbd();
        lin.matvec(w.gateInp(), s.xn, 0, s.router, 0);
        VectorOps.softmax(s.router, 0, m.nExpert());
        TopK.select(s.router, 0, m.nExpert(), m.nUsed(), s.topIdx, 0, s.topW, 0);
        if (m.normalize()) {
            float sum = 0f;
            for (int j = 0; j < m.nUsed(); j++) {
                sum += s.topW[j];
            }
            sum = Math.max(sum, MIN_WEIGHT_SUM);
            for (int j = 0; j < m.nUsed(); j++) {
                s.topW[j] /= sum;
            }
        }
        if (m.weightsScale() != 0f && m.weightsScale() != 1f) {
            for (int j = 0; j < m.nUsed(); j++) {
                s.topW[j] *= m.weightsScale();
            }
        }
        if (obs != null) {
            obs.routed(il, token, s.topIdx, s.topW, m.nUsed());
        }
        Arrays.fill(s.out, 0, e, 0f);
        for (int j = 0; j < m.nUsed(); j++) {
            int x = s.topIdx[j];
            expert(lin, w.gate()[x], w.up()[x], w.down()[x], m.nFfExp(), s);
            VectorOps.addScaled(s.out, 0, s.ffOut, 0, e, s.topW[j]);
        }
        if (w.gateShexp() != null) {
            expert(lin, w.gateShexp(), w.upShexp(), w.downShexp(), m.nFfShexp(), s);
            float g = 1f;
            if (w.gateInpShexp() != null) {
                float z = VectorOps.dot(w.gateInpShexp(), 0, s.xn, 0, e);
                g = 1.0f / (1.0f + (float) Math.exp(-z));
            }
            VectorOps.addScaled(s.out, 0, s.ffOut, 0, e, g);
        }
    }

    /** {@code s.ffOut = down(silu(gate s.xn) * up s.xn)}. */
    private static void expert(Linear lin, Tensor gate, Tensor up, Tensor down, int nFf, DecoderState s) {
        lin.matvec(gate, s.xn, 0, s.ffGate, 0);
        lin.matvec(up, s.xn, 0, s.ffUp, 0);
        VectorOps.swiglu(s.ffGate, 0, s.ffUp, 0, s.ffAct, 0, nFf);
        lin.matvec(down, s.ffAct, 0, s.ffOut, 0);
    }
}
