package io.github.moe4j.sampling;

/** Draws one candidate with probability softmax(logit), from a seeded {@link Rng}. */
public final class Draw {
    private final Rng rng;

    public Draw(long seed) {
        this.rng = new Rng(seed);
    }

    /** The drawn token id. */
    public int apply(Candidates c) {
        c.softmax();
        double u = rng.nextDouble();
        double cum = 0;
        int last = c.size() - 1;
        for (int i = 0; i < last; i++) {
            cum += c.prob(i);
            if (u < cum) {
                return c.id(i);
            }
        }
        return c.id(last);
    }
}
