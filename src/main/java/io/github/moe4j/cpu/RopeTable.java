package io.github.moe4j.cpu;

/**
 * Cos and sin of every rotated pair for positions {@code [0, nPos)}, computed once (per model, or
 * per context size) by {@link RopeConfig#cosSin} and then only read; safe to share between threads
 * and sessions. Memory: {@code nPos * nRot * 4} bytes (32k positions x 128 dims = 16 MiB).
 */
public final class RopeTable {
    private final RopeConfig config;
    private final int nPos;
    private final int half;
    private final float[] cos;   // [nPos][nRot/2]
    private final float[] sin;   // [nPos][nRot/2]

    public RopeTable(RopeConfig config, int nPos) {
        if (config == null) {
            throw new IllegalArgumentException("rope table: config is null");
        }
        Checks.positive("rope table positions", nPos);
        this.config = config;
        this.nPos = nPos;
        this.half = config.nRot() / 2;
        int size = Math.multiplyExact(nPos, half);
        this.cos = new float[size];
        this.sin = new float[size];
        for (int p = 0; p < nPos; p++) {
            config.cosSin(p, cos, sin, p * half);
        }
    }

    public RopeConfig config() {
        return config;
    }

    /** Positions covered: {@code [0, nPos)}. */
    public int nPos() {
        return nPos;
    }

    /** Offset of position {@code pos}'s row in {@link #cosArray()} and {@link #sinArray()}. */
    int rowOffset(int pos) {
        if (pos < 0 || pos >= nPos) {
            throw new IllegalArgumentException("rope position " + pos + " outside the table [0, " + nPos + ")");
        }
        return pos * half;
    }

    float[] cosArray() {
        return cos;
    }

    float[] sinArray() {
        return sin;
    }

    /** cos of pair {@code i} at position {@code pos} (with the mscale). */
    public float cos(int pos, int i) {
        return cos[rowOffset(pos) + i];
    }

    /** sin of pair {@code i} at position {@code pos} (with the mscale). */
    public float sin(int pos, int i) {
        return sin[rowOffset(pos) + i];
    }
}
