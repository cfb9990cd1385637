package io.github.moe4j.model;

import io.github.moe4j.tensor.Tensor;

/**
 * One block's routed feed-forward weights. The stacked expert tensors stay as the file stores them;
 * {@code gate[e]}, {@code up[e]}, {@code down[e]} are views of expert {@code e} (sliced once at bind
 * time, nothing copied).
 *
 * @param norm         [n_embd] ffn_norm
 * @param gateInp      [n_expert][n_embd] ffn_gate_inp (router)
 * @param gateExps     [n_expert][n_ff_exp][n_embd] ffn_gate_exps
 * @param upExps       [n_expert][n_ff_exp][n_embd] ffn_up_exps
 * @param downExps     [n_expert][n_embd][n_ff_exp] ffn_down_exps
 * @param gate         per-expert views of gateExps: [n_ff_exp][n_embd] each
 * @param up           per-expert views of upExps
 * @param down         per-expert views of downExps: [n_embd][n_ff_exp] each
 * @param gateShexp    [n_ff_shexp][n_embd] ffn_gate_shexp or null
 * @param upShexp      [n_ff_shexp][n_embd] ffn_up_shexp or null
 * @param downShexp    [n_embd][n_ff_shexp] ffn_down_shexp or null
 * @param gateInpShexp [n_embd] ffn_gate_inp_shexp or null
 * @param routerBias   [n_expert] ffn_gate_inp.bias or null
 * @param gateBias     [n_expert][n_ff_exp] ffn_gate_exps.bias or null
 * @param upBias       [n_expert][n_ff_exp] ffn_up_exps.bias or null
 * @param downBias     [n_expert][n_embd] ffn_down_exps.bias or null
 * @param expProbsB    [n_expert] exp_probs_b.bias (selection-only bias) or null
 */
public record MoeWeights(float[] norm, Tensor gateInp, Tensor gateExps, Tensor upExps, Tensor downExps,
                         Tensor[] gate, Tensor[] up, Tensor[] down,
                         Tensor gateShexp, Tensor upShexp, Tensor downShexp, float[] gateInpShexp,
                         float[] routerBias, float[] gateBias, float[] upBias, float[] downBias,
                         float[] expProbsB) {

    public static MoeWeights bind(TensorBinder b, DecoderConfig c, int il) {
        String p = "blk." + il + ".";
        MoeConfig m = c.moe();
        long e = c.nEmbd();
        int n = m.nExpert();
        Tensor g = b.required(p + "ffn_gate_exps.weight", e, m.nFfExp(), n);
        Tensor u = b.required(p + "ffn_up_exps.weight", e, m.nFfExp(), n);
        Tensor d = b.required(p + "ffn_down_exps.weight", m.nFfExp(), e, n);
        boolean sh = m.nFfShexp() > 0;
        return new MoeWeights(
                b.vector(p + c.ffnNorm() + ".weight", e, true),
                b.required(p + "ffn_gate_inp.weight", e, n),
                g, u, d, slices(g, n), slices(u, n), slices(d, n),
                sh ? b.required(p + "ffn_gate_shexp.weight", e, m.nFfShexp()) : null,
                sh ? b.required(p + "ffn_up_shexp.weight", e, m.nFfShexp()) : null,
                sh ? b.required(p + "ffn_down_shexp.weight", m.nFfShexp(), e) : null,
                m.sharedGate() ? b.vector(p + "ffn_gate_inp_shexp.weight", e, true) : null,
                m.biases() ? b.vector(p + "ffn_gate_inp.bias", n, true) : null,
                m.biases() ? b.matrix(p + "ffn_gate_exps.bias", m.nFfExp(), n) : null,
                m.biases() ? b.matrix(p + "ffn_up_exps.bias", m.nFfExp(), n) : null,
                m.biases() ? b.matrix(p + "ffn_down_exps.bias", e, n) : null,
                m.selectionBias() ? b.vector(p + "exp_probs_b.bias", n, true) : null);
    }

    private static Tensor[] slices(Tensor t, int n) {
        Tensor[] s = new Tensor[n];
        for (int i = 0; i < n; i++) {
            s[i] = t.slice(i);
        }
        return s;
    }
}
