package io.github.moe4j.sampling;

/**
 * Repetition penalties over the last {@code window} tokens (llama.cpp's {@code penalties} sampler): for
 * each distinct token seen there, its logit is divided by {@code repeat} when positive (multiplied when
 * not), then {@code count * frequency + presence} is subtracted. Applied to the raw logits in place.
 * A ring buffer and per-token counts keep {@link #accept} and {@link #apply} allocation-free.
 */
public final class Penalties {
    private final float repeat;
    private final float presence;
    private final float frequency;
    private final int[] ring;     // [window] last tokens
    private final int[] count;    // [n_vocab] occurrences in the window
    private final int[] stamp;    // [n_vocab] last apply() that touched the token
    private int head;
    private int filled;
    private int epoch;

    public Penalties(int vocab, int window, float repeat, float presence, float frequency) {
        if (window < 0) {
            throw new IllegalArgumentException("penalty window must be >= 0, got " + window);
        }
        this.repeat = repeat;
        this.presence = presence;
        this.frequency = frequency;
        boolean on = window > 0 && (repeat != 1f || presence != 0f || frequency != 0f);
        this.ring = new int[on ? window : 0];
        this.count = new int[on ? vocab : 0];
        this.stamp = new int[on ? vocab : 0];
    }

    /** Whether this stage changes anything. */
    public boolean enabled() {
        return ring.length > 0;
    }

    /** Records a token (prompt or generated) into the window. */
    public void accept(int token) {
        if (ring.length == 0 || token < 0 || token >= count.length) {
            return;
        }
        if (filled == ring.length) {
            count[ring[head]]--;
        } else {
            filled++;
        }
        ring[head] = token;
        count[token]++;
        head = head + 1 == ring.length ? 0 : head + 1;
    }

    /** Penalizes {@code logits[0, n)} in place. */
    public void apply(float[] logits, int n) {
        if (ring.length == 0) {
            return;
        }
        epoch++;
        for (int i = 0; i < filled; i++) {
            int t = ring[i];
            if (t >= n || stamp[t] == epoch) {
                continue;
            }
            stamp[t] = epoch;
            float l = logits[t];
            l = l <= 0 ? l * repeat : l / repeat;
            logits[t] = l - (count[t] * frequency + presence);
        }
    }
}
