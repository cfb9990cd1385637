package io.github.moe4j.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Top-k selection over {@code n} scores (MoE routing: n = 8..256 experts, k = 1..8).
 *
 * <p>Result: {@code idx[idxOff + r]} is the index (0-based, relative to {@code off}) of the r-th
 * largest score and {@code val[valOff + r]} that score, for r < k, in descending order of score;
 * equal scores rank by lower index first. Scores must not be NaN ({@code -inf} is fine). The caller
 * passes both outputs; nothing is allocated.
 */
public final class TopK {
    private static final VectorSpecies<Float> F = VectorOps.F;
    private static final int L = F.length();

    private TopK() {
    }

    // ---------------------------------------------------------------- reference

    /** k rounds of "largest not yet taken, lowest index on ties". O(n k^2). */
    public static void reference(float[] scores, int off, int n, int k, int[] idx, int idxOff, float[] val, int valOff) {
        check(scores, off, n, k, idx, idxOff, val, valOff);
        for (int r = 0; r < k; r++) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (taken(idx, idxOff, r, i)) {
                    continue;
                }
                if (best < 0 || scores[off + i] > scores[off + best]) {
                    best = i;
                }
            }
            idx[idxOff + r] = best;
            val[valOff + r] = scores[off + best];
        }
    }

    private static boolean taken(int[] idx, int idxOff, int count, int i) {
        for (int r = 0; r < count; r++) {
            if (idx[idxOff + r] == i) {
                return true;
            }
        }
        return false;
    }

    // ---------------------------------------------------------------- fast

    /**
     * One pass keeping a sorted list of the best k. A block of L scores none of which beats the
     * current k-th value (one vector compare) is skipped whole; otherwise its lanes are inserted one
     * by one. Scanning in index order with a strict comparison keeps ties at the lower index.
     */
    public static void select(float[] scores, int off, int n, int k, int[] idx, int idxOff, float[] val, int valOff) {
        check(scores, off, n, k, idx, idxOff, val, valOff);
        // seed with the first k scores, sorted
        for (int i = 0; i < k; i++) {
            insert(scores[off + i], i, i, idx, idxOff, val, valOff);
        }
        int last = valOff + k - 1;
        int i = k;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(F, scores, off + i);
            if (v.compare(VectorOperators.GT, val[last]).anyTrue()) {
                for (int j = i; j < i + L; j++) {
                    float s = scores[off + j];
                    if (s > val[last]) {
                        insert(s, j, k - 1, idx, idxOff, val, valOff);
                    }
                }
            }
        }
        for (; i < n; i++) {
            float s = scores[off + i];
            if (s > val[last]) {
                insert(s, i, k - 1, idx, idxOff, val, valOff);
            }
        }
    }

    /**
     * Inserts (s, i) into the sorted prefix of length {@code len} (entries at or after the insertion
     * point move down by one; the entry at {@code len}, if any, falls off): after every entry >= s.
     */
    private static void insert(float s, int i, int len, int[] idx, int idxOff, float[] val, int valOff) {
        int p = len;
        while (p > 0 && val[valOff + p - 1] < s) {
            val[valOff + p] = val[valOff + p - 1];
            idx[idxOff + p] = idx[idxOff + p - 1];
            p--;
        }
        val[valOff + p] = s;
        idx[idxOff + p] = i;
    }

    private static void check(float[] scores, int off, int n, int k, int[] idx, int idxOff, float[] val, int valOff) {
        Checks.positive("topK n", n);
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("topK k must be in [1, n = " + n + "], got " + k);
        }
        Checks.range("topK scores", scores, off, n);
        Checks.range("topK idx", idx, idxOff, k);
        Checks.range("topK val", val, valOff, k);
    }
}
