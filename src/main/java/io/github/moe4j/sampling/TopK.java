package io.github.moe4j.sampling;

/** Keeps the {@code k} most likely candidates, sorted best first; k = 0 is off. */
public final class TopK {
    private final int k;

    public TopK(int k) {
        if (k < 0) {
            throw new IllegalArgumentException("top-k must be >= 0, got " + k);
        }
        this.k = k;
    }

    public void apply(Candidates c) {
        if (k > 0 && k < c.size()) {
            c.keepTopSorted(k);
        }
    }
}
