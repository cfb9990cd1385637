package io.github.moe4j.cuda;

/**
 * The shape of one kernel launch: grid and block dimensions and dynamic shared memory, checked
 * against the limits every CUDA device since compute capability 3.0 has (block at most 1024 threads,
 * grid y and z at most 65535, grid x at most 2^31 - 1).
 */
public record LaunchConfig(int gridX, int gridY, int gridZ, int blockX, int blockY, int blockZ, int sharedBytes) {
    public static final int MAX_THREADS_PER_BLOCK = 1024;
    public static final int MAX_GRID_YZ = 65535;

    public LaunchConfig {
        if (gridX <= 0 || gridY <= 0 || gridZ <= 0 || blockX <= 0 || blockY <= 0 || blockZ <= 0) {
            throw new IllegalArgumentException("launch dimensions must be positive: grid (" + gridX + ", " + gridY
                    + ", " + gridZ + "), block (" + blockX + ", " + blockY + ", " + blockZ + ")");
        }
        if ((long) blockX * blockY * blockZ > MAX_THREADS_PER_BLOCK || blockZ > 64) {
            throw new IllegalArgumentException("block (" + blockX + ", " + blockY + ", " + blockZ
                    + ") exceeds " + MAX_THREADS_PER_BLOCK + " threads");
        }
        if (gridY > MAX_GRID_YZ || gridZ > MAX_GRID_YZ) {
            throw new IllegalArgumentException("grid y/z (" + gridY + ", " + gridZ + ") exceeds " + MAX_GRID_YZ);
        }
        if (sharedBytes < 0) {
            throw new IllegalArgumentException("shared memory must be >= 0, got " + sharedBytes);
        }
    }

    /** A 1-D launch: {@code blocks} blocks of {@code threads} threads. */
    public static LaunchConfig linear(int blocks, int threads, int sharedBytes) {
        return new LaunchConfig(blocks, 1, 1, threads, 1, 1, sharedBytes);
    }

    /** Enough blocks of {@code threads} threads to give one thread to each of {@code n} items. */
    public static LaunchConfig cover(long n, int threads) {
        return linear(blocksFor(n, threads), threads, 0);
    }

    /** {@code ceil(n / per)} as an int, at least 1. */
    public static int blocksFor(long n, int per) {
        if (n < 0 || per <= 0) {
            throw new IllegalArgumentException("blocksFor(" + n + ", " + per + ")");
        }
        return Math.toIntExact(Math.max(1, (n + per - 1) / per));
    }

    public long threads() {
        return (long) gridX * gridY * gridZ * blockX * blockY * blockZ;
    }

    @Override
    public String toString() {
        return "grid " + gridX + "x" + gridY + "x" + gridZ + ", block " + blockX + "x" + blockY + "x" + blockZ
                + ", smem " + sharedBytes;
    }
}
