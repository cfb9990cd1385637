package io.github.moe4j.api;

/** Where a model's computation runs; chosen with {@link LoadOptions.Builder#backend}. */
public enum Backend {
    /** The best backend available: today always {@link #CPU}. */
    AUTO,
    /** Java Vector API kernels on a pool of CPU threads. */
    CPU,
    /** NVIDIA GPUs through the CUDA driver API (not available yet: loading fails with a clear exception). */
    CUDA
}
