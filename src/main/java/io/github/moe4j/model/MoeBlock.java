package io.github.moe4j.model;

import io.github.moe4j.cpu.ScalarOps;
import io.github.moe4j.cpu.TopK;
import io.github.moe4j.cpu.VectorOps;
import io.github.moe4j.tensor.Tensor;

import java.util.Arrays;

/**
 * The routed feed-forward block for one token: router logits {@code ffn_gate_inp x (+ bias)},
 * gating (softmax then top-k, or top-k then softmax over the chosen), optional renormalisation and
 * scale, then {@code sum_j w_j down_j(act(gate_j x, up_j x))} over the chosen experts (act =
 * SwiGLU or gpt-oss's clamped SwiGLU-OAI, expert biases where present), plus the shared expert
 * (optionally gated by a sigmoid). Reads {@code s.xn}, writes {@code s.out}.
 */
public final class MoeBlock {
    /** llama.cpp clamps the renormalisation denominator to this. */
    static final float MIN_WEIGHT_SUM = 6.103515625e-5f;

    private MoeBlock() {
    }

    public static void forward(Linear lin, DecoderConfig c, MoeWeights w, DecoderState s, int il, int token,
                        ForwardObserver obs) {
        MoeConfig m = c.moe();
        int e = c.nEmbd();
        route(lin, m, w, s);
        if (obs != null) {
            obs.routed(il, token, s.topIdx, s.topW, m.nUsed());
        }
        int k = m.nUsed();
        int nf = m.nFfExp();
        boolean sh = w.gateShexp() != null;
        // gate and up of every chosen expert (and of the shared expert) in one parallel region
        int n = 0;
        for (int j = 0; j < k; j++) {
            int x = s.topIdx[j];
            s.job(n++, w.gate()[x], s.xn, 0, s.kGate, j * nf);
            s.job(n++, w.up()[x], s.xn, 0, s.kUp, j * nf);
        }
        if (sh) {
            s.job(n++, w.gateShexp(), s.xn, 0, s.ffGate, 0);
            s.job(n++, w.upShexp(), s.xn, 0, s.ffUp, 0);
        }
        s.matvecs(lin, n);
        for (int j = 0; j < k; j++) {
            activate(m, w, s.topIdx[j], s.kGate, s.kUp, s.kAct, j * nf);
        }
        if (sh) {
            VectorOps.swiglu(s.ffGate, 0, s.ffUp, 0, s.ffAct, 0, c.moe().nFfShexp());
        }
        // every down projection in a second region
        n = 0;
        for (int j = 0; j < k; j++) {
            s.job(n++, w.down()[s.topIdx[j]], s.kAct, j * nf, s.kOut, j * e);
        }
        if (sh) {
            s.job(n++, w.downShexp(), s.ffAct, 0, s.ffOut, 0);
        }
        s.matvecs(lin, n);
        Arrays.fill(s.out, 0, e, 0f);
        for (int j = 0; j < k; j++) {
            if (w.downBias() != null) {
                VectorOps.add(s.kOut, j * e, w.downBias(), s.topIdx[j] * e, s.kOut, j * e, e);
            }
            VectorOps.addScaled(s.out, 0, s.kOut, j * e, e, s.topW[j]);
        }
        if (sh) {
            addShared(c, w, s);
        }
    }

    /** Expert {@code x}'s activation of one token: {@code act = act_fn(gate + bias, up + bias)} at {@code o}. */
    static void activate(MoeConfig m, MoeWeights w, int x, float[] gate, float[] up, float[] act, int o) {
        int nf = m.nFfExp();
        if (w.gateBias() != null) {
            VectorOps.add(gate, o, w.gateBias(), x * nf, gate, o, nf);
            VectorOps.add(up, o, w.upBias(), x * nf, up, o, nf);
        }
        if (m.oaiSwiglu()) {
            VectorOps.swigluOai(gate, o, up, o, act, o, nf, ScalarOps.OAI_ALPHA, ScalarOps.OAI_LIMIT);
        } else {
            VectorOps.swiglu(gate, o, up, o, act, o, nf);
        }
    }

    /** {@code s.out += g * s.ffOut}: the shared expert's output, gated where the family gates it. */
    static void addShared(DecoderConfig c, MoeWeights w, DecoderState s) {
        float g = 1f;
        if (w.gateInpShexp() != null) {
            float z = VectorOps.dot(w.gateInpShexp(), 0, s.xn, 0, c.nEmbd());
            g = 1.0f / (1.0f + (float) Math.exp(-z));
        }
        VectorOps.addScaled(s.out, 0, s.ffOut, 0, c.nEmbd(), g);
    }

    /** Adds the shared expert of {@code s.xn} (gated where the family gates it) to {@code s.out}. */
    static void shared(Linear lin, DecoderConfig c, MoeWeights w, DecoderState s) {
        if (w.gateShexp() == null) {
            return;
        }
        int e = c.nEmbd();
        int nf = c.moe().nFfShexp();
        lin.matvec(w.gateShexp(), s.xn, 0, s.ffGate, 0);
        lin.matvec(w.upShexp(), s.xn, 0, s.ffUp, 0);
        VectorOps.swiglu(s.ffGate, 0, s.ffUp, 0, s.ffAct, 0, nf);
        lin.matvec(w.downShexp(), s.ffAct, 0, s.ffOut, 0);
        addShared(c, w, s);
    }

    /** Fills {@code s.topIdx} / {@code s.topW} with the chosen experts and their weights. */
    static void route(Linear lin, MoeConfig m, MoeWeights w, DecoderState s) {
        lin.matvec(w.gateInp(), s.xn, 0, s.router, 0);
        select(m, w, s);
    }

    /** {@link #route} from router logits already in {@code s.router} ({@code ffn_gate_inp x}, no bias yet). */
    static void select(MoeConfig m, MoeWeights w, DecoderState s) {
        int n = m.nExpert();
        int k = m.nUsed();
        if (w.routerBias() != null) {
            VectorOps.add(s.router, 0, w.routerBias(), 0, s.router, 0, n);
        }
        switch (m.gating()) {
            case SOFTMAX -> VectorOps.softmax(s.router, 0, n);
            case SIGMOID -> VectorOps.sigmoid(s.router, 0, s.router, 0, n);
            case SOFTMAX_WEIGHT -> {
                TopK.select(s.router, 0, n, k, s.topIdx, 0, s.topW, 0);
                ScalarOps.softmax(s.topW, 0, k);
            }
        }
        if (m.gating() != Gating.SOFTMAX_WEIGHT) {
            // choose on the (biased, group-limited) scores; weight with the unbiased probabilities
            System.arraycopy(s.router, 0, s.select, 0, n);
            if (w.expProbsB() != null) {
                VectorOps.add(s.select, 0, w.expProbsB(), 0, s.select, 0, n);
            }
            if (m.nGroup() > 1) {
                limitGroups(m, s);
            }
            TopK.select(s.select, 0, n, k, s.topIdx, 0, s.topW, 0);
            for (int j = 0; j < k; j++) {
                s.topW[j] = s.router[s.topIdx[j]];
            }
        }
        if (m.normalize()) {
            float sum = 0f;
            for (int j = 0; j < k; j++) {
                sum += s.topW[j];
            }
            sum = Math.max(sum, MIN_WEIGHT_SUM);
            for (int j = 0; j < k; j++) {
                s.topW[j] /= sum;
            }
        }
        if (m.weightsScale() != 0f && m.weightsScale() != 1f) {
            for (int j = 0; j < k; j++) {
                s.topW[j] *= m.weightsScale();
            }
        }
    }

    /**
     * Group-limited routing (DeepSeek V3): a group's score is the sum of its 2 best selection
     * scores; experts outside the best {@code nGroupUsed} groups get -inf.
     */
    private static void limitGroups(MoeConfig m, DecoderState s) {
        int per = m.nExpert() / m.nGroup();
        for (int g = 0; g < m.nGroup(); g++) {
            float best = Float.NEGATIVE_INFINITY;
            float second = Float.NEGATIVE_INFINITY;
            for (int i = g * per; i < (g + 1) * per; i++) {
                float v = s.select[i];
                if (v > best) {
                    second = best;
                    best = v;
                } else if (v > second) {
                    second = v;
                }
            }
            s.groupScore[g] = per == 1 ? best : best + second;
        }
        TopK.select(s.groupScore, 0, m.nGroup(), m.nGroupUsed(), s.groupIdx, 0, s.groupVal, 0);
        for (int g = 0; g < m.nGroup(); g++) {
            boolean kept = false;
            for (int j = 0; j < m.nGroupUsed(); j++) {
                kept |= s.groupIdx[j] == g;
            }
            if (!kept) {
                Arrays.fill(s.select, g * per, (g + 1) * per, Float.NEGATIVE_INFINITY);
            }
        }
    }

    /**
     * {@code s.ffOut = down_x(act(gate_x s.xn, up_x s.xn))} for expert {@code x}, on {@code lin} (also the
     * CUDA decoder's experts kept on the CPU).
     */
    public static void expert(Linear lin, MoeConfig m, MoeWeights w, int x, DecoderState s) {
        int nf = m.nFfExp();
        Tensor gate = w.gate()[x];
        lin.matvec(gate, s.xn, 0, s.ffGate, 0);
        lin.matvec(w.up()[x], s.xn, 0, s.ffUp, 0);
        if (w.gateBias() != null) {
            VectorOps.add(s.ffGate, 0, w.gateBias(), x * nf, s.ffGate, 0, nf);
            VectorOps.add(s.ffUp, 0, w.upBias(), x * nf, s.ffUp, 0, nf);
        }
        if (m.oaiSwiglu()) {
            VectorOps.swigluOai(s.ffGate, 0, s.ffUp, 0, s.ffAct, 0, nf, ScalarOps.OAI_ALPHA, ScalarOps.OAI_LIMIT);
        } else {
            VectorOps.swiglu(s.ffGate, 0, s.ffUp, 0, s.ffAct, 0, nf);
        }
        lin.matvec(w.down()[x], s.ffAct, 0, s.ffOut, 0);
        if (w.downBias() != null) {
            int e = s.ffOut.length;
            VectorOps.add(s.ffOut, 0, w.downBias(), x * e, s.ffOut, 0, e);
        }
    }
}
