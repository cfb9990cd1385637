package io.github.moe4j.model;

/** Element type of a session's KV cache. */
public enum KvType {
    /** float32: what the shared fixtures' references use. */
    F32,
    /** IEEE half precision: half the memory; llama.cpp's {@code -ctk f16 -ctv f16}. */
    F16
}
