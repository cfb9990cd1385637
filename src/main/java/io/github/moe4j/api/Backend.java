package io.github.moe4j.api;

/** Where a model's computation runs; chosen with {@link LoadOptions.Builder#backend}. */
public enum Backend {
    /**
     * {@link #CUDA} when a CUDA device is found and the model's family and tensor types have GPU kernels,
     * else {@link #CPU}; {@link ModelInfo#backendNote()} says which and why.
     */
    AUTO,
    /** Java Vector API kernels on a pool of CPU threads. */
    CPU,
    /**
     * An NVIDIA GPU through the CUDA driver API (needs the driver, {@code libcuda.so.1}, not the toolkit).
     * Loading fails with an {@link UnsupportedModelException} naming the reason when there is no driver
     * or device, or the model uses something without GPU kernels.
     */
    CUDA
}
