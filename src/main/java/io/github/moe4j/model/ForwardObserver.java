package io.github.moe4j.model;

/**
 * Optional taps into a forward pass, for tests and debugging (finding the first layer that goes
 * wrong). Arrays passed in are scratch: copy what you keep. {@code token} is the index within the
 * current call's batch.
 */
public interface ForwardObserver {

    /** The routing decision of MoE layer {@code layer}: {@code nUsed} expert ids and their weights. */
    default void routed(int layer, int token, int[] experts, float[] weights, int nUsed) {
    }

    /** The residual stream after block {@code layer} ({@code [n_embd]} from {@code off}). */
    default void layerOutput(int layer, int token, float[] h, int off) {
    }

    /** The final normed state that enters the output matrix. */
    default void finalNorm(int token, float[] h, int off) {
    }
}
