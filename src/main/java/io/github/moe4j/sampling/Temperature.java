package io.github.moe4j.sampling;

/** Divides the candidates' logits by the temperature (> 0; temperature 0 is handled as greedy by the chain). */
public final class Temperature {
    private final float t;

    public Temperature(float t) {
        if (!(t > 0) || !Float.isFinite(t)) {
            throw new IllegalArgumentException("temperature must be finite and > 0 here, got " + t);
        }
        this.t = t;
    }

    public void apply(Candidates c) {
        if (t == 1f) {
            return;
        }
        for (int i = 0; i < c.size; i++) {
            c.logit[i] /= t;
        }
    }
}
