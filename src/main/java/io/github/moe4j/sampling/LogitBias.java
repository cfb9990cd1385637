package io.github.moe4j.sampling;

/** Adds a fixed bias to chosen tokens' logits (negative infinity bans a token). Allocation-free. */
public final class LogitBias {
    private final int[] ids;
    private final float[] bias;

    public LogitBias(int[] ids, float[] bias) {
        if (ids.length != bias.length) {
            throw new IllegalArgumentException(ids.length + " ids but " + bias.length + " biases");
        }
        this.ids = ids.clone();
        this.bias = bias.clone();
    }

    public void apply(float[] logits, int n) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] < n) {
                logits[ids[i]] += bias[i];
            }
        }
    }
}
