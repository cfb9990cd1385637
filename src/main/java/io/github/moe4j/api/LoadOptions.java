package io.github.moe4j.api;

/**
 * How {@link Model#load(java.nio.file.Path, LoadOptions)} sets a model up. Immutable; build with
 * {@link #builder()}, or take {@link #defaults()}.
 */
public final class LoadOptions {
    private static final LoadOptions DEFAULTS = new Builder().build();
    /** {@link #expertsOnCpu()} when every layer's routed experts stay on the CPU. */
    public static final int ALL_LAYERS = Integer.MAX_VALUE;

    private final int threads;
    private final int contextLength;
    private final Backend backend;
    private final int expertsOnCpu;

    private LoadOptions(Builder b) {
        this.threads = b.threads;
        this.contextLength = b.contextLength;
        this.backend = b.backend;
        this.expertsOnCpu = b.expertsOnCpu;
    }

    /** Defaults: one thread per physical core, context {@code min(context_length, 4096)}, {@link Backend#AUTO}. */
    public static LoadOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder().threads(threads).contextLength(contextLength).backend(backend);
        b.expertsOnCpu = expertsOnCpu;
        return b;
    }

    /** Compute threads shared by all sessions of the model; 0: one per physical core. */
    public int threads() {
        return threads;
    }

    /** Default context length of new sessions; 0: the model's {@code context_length}, at most 4096. */
    public int contextLength() {
        return contextLength;
    }

    public Backend backend() {
        return backend;
    }

    /**
     * Hybrid placement on a GPU backend: the routed experts of the first {@code expertsOnCpu()} layers
     * stay in host memory and are computed by the CPU kernels, while attention, router, shared experts
     * and the KV cache stay on the GPU. 0 (the default): all on the GPU; {@link #ALL_LAYERS}: every
     * layer's experts on the CPU.
     */
    public int expertsOnCpu() {
        return expertsOnCpu;
    }

    @Override
    public String toString() {
        return "LoadOptions[threads=" + threads + ", contextLength=" + contextLength + ", backend=" + backend
                + (expertsOnCpu == 0 ? "" : ", expertsOnCpu=" + (expertsOnCpu == ALL_LAYERS ? "all" : expertsOnCpu))
                + "]";
    }

    /** Builds {@link LoadOptions}; each setter validates its argument. */
    public static final class Builder {
        private int threads;
        private int contextLength;
        private Backend backend = Backend.AUTO;
        private int expertsOnCpu;

        private Builder() {
        }

        /** Compute threads (1..1024), or 0 for one per physical core. */
        public Builder threads(int threads) {
            if (threads < 0 || threads > 1024) {
                throw new IllegalArgumentException("threads must be 0 (automatic) or 1..1024, got " + threads);
            }
            this.threads = threads;
            return this;
        }

        /** Default session context length (at most the model's {@code context_length}), or 0 for automatic. */
        public Builder contextLength(int contextLength) {
            if (contextLength < 0) {
                throw new IllegalArgumentException("contextLength must be 0 (automatic) or positive, got " + contextLength);
            }
            this.contextLength = contextLength;
            return this;
        }

        public Builder backend(Backend backend) {
            if (backend == null) {
                throw new IllegalArgumentException("backend must not be null");
            }
            this.backend = backend;
            return this;
        }

        /**
         * Keeps the routed experts of the first {@code firstNLayers} layers in host memory, computed by
         * the CPU, when the model runs on a GPU (for models whose experts do not fit in device memory).
         * 0 puts everything on the GPU. Loading fails when the model has fewer layers; the CPU backend
         * rejects the option ({@link #build()}).
         */
        public Builder expertsOnCpu(int firstNLayers) {
            if (firstNLayers < 0) {
                throw new IllegalArgumentException("expertsOnCpu must be >= 0 (0 = all experts on the GPU), got "
                        + firstNLayers);
            }
            this.expertsOnCpu = firstNLayers;
            return this;
        }

        /** Keeps every layer's routed experts on the CPU (attention, router and shared experts on the GPU). */
        public Builder allExpertsOnCpu() {
            this.expertsOnCpu = ALL_LAYERS;
            return this;
        }

        /** @throws IllegalArgumentException for expert placement with {@link Backend#CPU} */
        public LoadOptions build() {
            if (backend == Backend.CPU && expertsOnCpu != 0) {
                throw new IllegalArgumentException("expertsOnCpu places experts for a GPU backend; with Backend.CPU"
                        + " everything already runs on the CPU (use Backend.AUTO or Backend.CUDA)");
            }
            return new LoadOptions(this);
        }
    }
}
