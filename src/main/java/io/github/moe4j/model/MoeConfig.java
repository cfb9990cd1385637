package io.github.moe4j.model;

/**
 * The routed feed-forward block of one family.
 *
 * @param nExpert      {@code expert_count}
 * @param nUsed        {@code expert_used_count}: experts per token
 * @param nFfExp       width of one expert's FFN
 * @param gating       how logits become choices and weights
 * @param normalize    divide the chosen weights by their sum (clamped to >= 6.103515625e-5)
 * @param weightsScale multiplies the chosen weights when not 0 or 1 ({@code expert_weights_scale})
 * @param nFfShexp     width of the shared expert, 0 when there is none
 * @param sharedGate   the shared expert output is scaled by {@code sigmoid(ffn_gate_inp_shexp . x)}
 * @param biases       router and expert biases ({@code ffn_gate_inp.bias}, {@code ffn_*_exps.bias}; gpt-oss)
 * @param oaiSwiglu    experts use the clamped SwiGLU-OAI (alpha 1.702, limit 7) instead of SwiGLU
 * @param selectionBias {@code exp_probs_b.bias} is added to the scores for the choice only (DeepSeek V3)
 * @param nGroup       {@code expert_group_count}: experts split into this many groups (1 = no groups)
 * @param nGroupUsed   {@code expert_group_used_count}: groups kept, ranked by the sum of their 2 best scores
 */
public record MoeConfig(int nExpert, int nUsed, int nFfExp, Gating gating, boolean normalize, float weightsScale,
                        int nFfShexp, boolean sharedGate, boolean biases, boolean oaiSwiglu,
                        boolean selectionBias, int nGroup, int nGroupUsed) {
    public MoeConfig {
        if (nExpert <= 0 || nUsed <= 0 || nUsed > nExpert) {
            throw new IllegalArgumentException("expert_used_count " + nUsed + " must be in 1.." + nExpert
                    + " (expert_count)");
        }
        if (nFfExp <= 0 || nFfShexp < 0) {
            throw new IllegalArgumentException("expert FFN widths must be positive, got " + nFfExp + ", " + nFfShexp);
        }
        if (sharedGate && nFfShexp == 0) {
            throw new IllegalArgumentException("a shared-expert gate needs a shared expert");
        }
        if (nGroup <= 0 || nExpert % nGroup != 0 || nGroupUsed <= 0 || nGroupUsed > nGroup
                || (nGroup > 1 && nUsed > nGroupUsed * (nExpert / nGroup))) {
            throw new IllegalArgumentException("expert groups: " + nGroupUsed + " of " + nGroup + " for " + nExpert
                    + " experts, " + nUsed + " used");
        }
        if (gating == null) {
            throw new IllegalArgumentException("gating is null");
        }
    }

    /** Softmax routing, SwiGLU experts, no biases. */
    public static MoeConfig softmax(int nExpert, int nUsed, int nFfExp, boolean normalize, int nFfShexp,
                                    boolean sharedGate) {
        return new MoeConfig(nExpert, nUsed, nFfExp, Gating.SOFTMAX, normalize, 0f, nFfShexp, sharedGate, false, false,
                false, 1, 1);
    }
}
