package io.github.moe4j.quant;

/**
 * The float accumulation order of ggml's generic {@code vec_dot_q{3,4,5,6}_K_q8_K}: integer products
 * are summed per super-block into 8 int32 lanes (lane = element index mod 8), each lane is scaled by the
 * super-block's {@code d} and added to its own float lane, and the 8 float lanes are added to the
 * running sum (which already holds the min corrections) at the very end.
 */
final class KLanes {
    private final int[] aux32 = new int[8];
    private final float[] sums = new float[8];

    /** Starts a super-block. */
    void clearBlock() {
        java.util.Arrays.fill(aux32, 0);
    }

    /** Adds {@code scale * q8 * q} for element {@code e} of the current super-block. */
    void add(int e, int scale, int product) {
        aux32[e & 7] += scale * product;
    }

    /** Ends a super-block: {@code sums[l] += d * aux32[l]}. */
    void endBlock(float d) {
        for (int l = 0; l < 8; l++) {
            sums[l] += d * aux32[l];
        }
    }

    /** {@code sumf + sums[0] + ... + sums[7]}, in that order. */
    float finish(float sumf) {
        for (int l = 0; l < 8; l++) {
            sumf += sums[l];
        }
        return sumf;
    }
}
