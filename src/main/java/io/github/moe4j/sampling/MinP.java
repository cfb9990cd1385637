package io.github.moe4j.sampling;

/**
 * Keeps candidates whose probability is at least {@code minP} times the best one's (in logit space:
 * {@code logit >= max + ln(minP)}), keeping their order and at least the best; minP = 0 is off.
 */
public final class MinP {
    private final float minP;

    public MinP(float minP) {
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
        }
        this.minP = minP;
    }

    public void apply(Candidates c) {
        if (minP <= 0f || c.size() <= 1) {
            return;
        }
        float max = c.logit[c.best()];
        float threshold = (float) (max + Math.log(minP));
        int w = 0;
        for (int i = 0; i < c.size; i++) {
            if (c.logit[i] >= threshold) {
                c.id[w] = c.id[i];
                c.logit[w] = c.logit[i];
                w++;
            }
        }
        c.size = Math.max(w, 1);
    }
}
