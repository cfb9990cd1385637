package io.github.moe4j.api;

/** Element type of a session's KV cache; chosen with {@link SessionOptions.Builder#kvCacheType}. */
public enum KvCacheType {
    /** float32 (the default): what llama.cpp's reference outputs in the tests use. */
    F32,
    /**
     * IEEE half precision: half the memory and half the bytes attention reads per token at long
     * contexts; llama.cpp's {@code -ctk f16 -ctv f16} (its default). Keys and values are rounded to
     * binary16 when stored, so logits differ slightly from {@link #F32}.
     */
    F16
}
