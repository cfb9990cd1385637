package io.github.moe4j.model;

import io.github.moe4j.gguf.GgufModel;

/**
 * One model family, selected by {@code general.architecture}: reads its hyperparameters, binds its
 * tensors (shapes checked) and assembles the forward pass from the shared blocks. Implementations
 * are stateless; register them in {@link Architectures}.
 */
public interface Architecture {

    /** The {@code general.architecture} value this family handles, e.g. {@code qwen3moe}. */
    String name();

    /**
     * Binds {@code gguf}'s tensors. The result references the mapped weights: it is valid while
     * {@code gguf} is open.
     */
    default Decoder load(GgufModel gguf) {
        return load(gguf, Linear.SCALAR);
    }

    /** As {@link #load(GgufModel)}, computing matrix products with {@code linear}. */
    Decoder load(GgufModel gguf, Linear linear);
}
