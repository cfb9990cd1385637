package io.github.moe4j.api;

/**
 * How {@link Model#load(java.nio.file.Path, LoadOptions)} sets a model up. Immutable; build with
 * {@link #builder()}, or take {@link #defaults()}.
 */
public final class LoadOptions {
    private static final LoadOptions DEFAULTS = new Builder().build();

    private final int threads;
    private final int contextLength;
    private final Backend backend;

    private LoadOptions(Builder b) {
        this.threads = b.threads;
        this.contextLength = b.contextLength;
        this.backend = b.backend;
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
        return new Builder().threads(threads).contextLength(contextLength).backend(backend);
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

    @Override
    public String toString() {
        return "LoadOptions[threads=" + threads + ", contextLength=" + contextLength + ", backend=" + backend + "]";
    }

    /** Builds {@link LoadOptions}; each setter validates its argument. */
    public static final class Builder {
        private int threads;
        private int contextLength;
        private Backend backend = Backend.AUTO;

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

        public LoadOptions build() {
            return new LoadOptions(this);
        }
    }
}
