package io.github.moe4j.sampling;

/**
 * The tokens still in the running after each sampler stage: parallel arrays of ids and logits (and
 * probabilities once {@link #softmax()} ran), the first {@link #size()} entries valid. Allocated once
 * for a vocabulary; {@link #reset} and every stage work in place, allocating nothing.
 *
 * <p>Order: "better" means a higher logit, and on equal logits a lower id, so ties always resolve
 * the same way.
 */
public final class Candidates {
    final int[] id;       // [n_vocab]
    final float[] logit;  // [n_vocab]
    final float[] p;      // [n_vocab] probabilities after softmax()
    int size;
    boolean sorted;

    public Candidates(int vocab) {
        if (vocab <= 0) {
            throw new IllegalArgumentException("vocabulary size must be positive, got " + vocab);
        }
        id = new int[vocab];
        logit = new float[vocab];
        p = new float[vocab];
    }

    /** Loads all {@code n} logits (ids 0..n-1), unsorted. */
    public void reset(float[] logits, int n) {
        if (n <= 0 || n > id.length || n > logits.length) {
            throw new IllegalArgumentException("cannot load " + n + " logits into " + id.length + " candidates");
        }
        for (int i = 0; i < n; i++) {
            id[i] = i;
            logit[i] = logits[i];
        }
        size = n;
        sorted = false;
    }

    public int size() {
        return size;
    }

    public int id(int i) {
        return id[i];
    }

    public float logit(int i) {
        return logit[i];
    }

    /** The probability of entry {@code i} as of the last {@link #softmax()}. */
    public float prob(int i) {
        return p[i];
    }

    /** Whether entries are in descending order (best first). */
    public boolean sorted() {
        return sorted;
    }

    /** True if entry {@code a} is better than entry {@code b}. */
    boolean better(int a, int b) {
        float la = logit[a];
        float lb = logit[b];
        return la > lb || (la == lb && id[a] < id[b]);
    }

    /** Keeps the best {@code k} entries, sorted best first (a bounded heap: O(n log k)). */
    public void keepTopSorted(int k) {
        if (k <= 0 || k > size) {
            k = size;
        }
        if (sorted) {
            size = k;
            return;
        }
        // min-heap (worst at the root) over the first k entries
        for (int i = k / 2 - 1; i >= 0; i--) {
            siftDown(i, k);
        }
        for (int i = k; i < size; i++) {
            if (better(i, 0)) {
                swap(i, 0);
                siftDown(0, k);
            }
        }
        // heap sort: the worst goes to the end each time, so [0, k) ends up best first
        for (int end = k - 1; end > 0; end--) {
            swap(0, end);
            siftDown(0, end);
        }
        size = k;
        sorted = true;
    }

    private void siftDown(int i, int n) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= n) {
                return;
            }
            int worst = l;
            int r = l + 1;
            if (r < n && better(l, r)) {
                worst = r;
            }
            if (better(i, worst)) {
                swap(i, worst);
                i = worst;
            } else {
                return;
            }
        }
    }

    private void swap(int a, int b) {
        int ti = id[a];
        id[a] = id[b];
        id[b] = ti;
        float tl = logit[a];
        logit[a] = logit[b];
        logit[b] = tl;
    }

    /**
     * The best of {@code logits[0, n)} as {@link #reset} then {@link #best} would choose it (highest logit,
     * lowest id on ties, NaN never better), without copying the vocabulary into the candidates first: the
     * greedy path of every decode step.
     */
    static int argmax(float[] logits, int n) {
        if (n <= 0 || n > logits.length) {
            throw new IllegalArgumentException("cannot pick from " + n + " of " + logits.length + " logits");
        }
        int b = 0;
        float bl = logits[0];
        for (int i = 1; i < n; i++) {
            float l = logits[i];
            if (l > bl) {
                bl = l;
                b = i;
            }
        }
        return b;
    }

    /** The index of the best entry (highest logit, lowest id on ties). */
    public int best() {
        if (sorted) {
            return 0;
        }
        int b = 0;
        for (int i = 1; i < size; i++) {
            if (better(i, b)) {
                b = i;
            }
        }
        return b;
    }

    /**
     * Fills the probabilities of the entries: softmax of the logits (max subtracted, {@link StrictMath#exp}
     * and a double sum, so the result is the same on every run and JIT tier).
     */
    public void softmax() {
        float max = logit[best()];
        double sum = 0;
        for (int i = 0; i < size; i++) {
            double e = StrictMath.exp((double) logit[i] - max);
            p[i] = (float) e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int i = 0; i < size; i++) {
            p[i] *= inv;
        }
    }

    /** Keeps the first {@code n} entries. */
    void truncate(int n) {
        size = Math.max(1, Math.min(n, size));
    }
}
