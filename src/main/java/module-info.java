/**
 * moe4j: an embeddable engine for Mixture-of-Experts language models stored as GGUF.
 *
 * <p>Only {@code io.github.moe4j.api} is exported; every other package is internal.
 */
module io.github.moe4j {
    requires jdk.incubator.vector;
    requires static info.picocli;
    // bench's heap allocation per token (the CLI only; HeapAllocation copes with its absence)
    requires static jdk.management;
    // the CUDA backend (driver API); the probe catches a missing libcuda and falls back to the CPU
    requires org.lwjgl;
    requires org.lwjgl.cuda;

    exports io.github.moe4j.api;

    opens io.github.moe4j.cli to info.picocli;
}
