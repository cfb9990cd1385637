package io.github.moe4j.sampling;

/**
 * Nucleus sampling: keeps the smallest set of best candidates whose probabilities (softmax of the
 * current logits) add up to at least {@code p}, and at least one; p = 1 is off.
 */
public final class TopP {
    private final float p;

    public TopP(float p) {
        if (!(p > 0 && p <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + p);
        }
        this.p = p;
    }

    public void apply(Candidates c) {
        if (p >= 1f || c.size() <= 1) {
            return;
        }
        c.keepTopSorted(c.size());
        c.softmax();
        double cum = 0;
        for (int i = 0; i < c.size(); i++) {
            cum += c.prob(i);
            if (cum >= p) {
                c.truncate(i + 1);
                return;
            }
        }
    }
}
