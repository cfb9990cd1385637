package io.github.moe4j.api;

/**
 * How {@link Model#newSession(SessionOptions)} sets a session up. Immutable; build with
 * {@link #builder()}, or take {@link #defaults()}.
 */
public final class SessionOptions {
    private static final SessionOptions DEFAULTS = new Builder().build();

    private final int contextLength;
    private final OverflowPolicy overflowPolicy;
    private final KvCacheType kvCacheType;

    private SessionOptions(Builder b) {
        this.contextLength = b.contextLength;
        this.overflowPolicy = b.overflowPolicy;
        this.kvCacheType = b.kvCacheType;
    }

    /**
     * Defaults: the model's default context length ({@link LoadOptions#contextLength()}),
     * {@link OverflowPolicy#FAIL}, a {@link KvCacheType#F32} KV cache.
     */
    public static SessionOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Tokens the session's KV cache holds; 0: the model's default ({@link LoadOptions#contextLength()}). */
    public int contextLength() {
        return contextLength;
    }

    /** What happens when a request does not fit in the context. */
    public OverflowPolicy overflowPolicy() {
        return overflowPolicy;
    }

    /** The KV cache's element type. */
    public KvCacheType kvCacheType() {
        return kvCacheType;
    }

    @Override
    public String toString() {
        return "SessionOptions[contextLength=" + contextLength + ", overflowPolicy=" + overflowPolicy
                + ", kvCacheType=" + kvCacheType + "]";
    }

    /** Builds {@link SessionOptions}; each setter validates its argument. */
    public static final class Builder {
        private int contextLength;
        private OverflowPolicy overflowPolicy = OverflowPolicy.FAIL;
        private KvCacheType kvCacheType = KvCacheType.F32;

        private Builder() {
        }

        /** KV cache size in tokens (at most the model's {@code context_length}), or 0 for the model's default. */
        public Builder contextLength(int contextLength) {
            if (contextLength < 0) {
                throw new IllegalArgumentException("contextLength must be 0 (default) or positive, got " + contextLength);
            }
            this.contextLength = contextLength;
            return this;
        }

        public Builder overflowPolicy(OverflowPolicy policy) {
            if (policy == null) {
                throw new IllegalArgumentException("overflowPolicy must not be null");
            }
            this.overflowPolicy = policy;
            return this;
        }

        /** {@link KvCacheType#F16} halves the KV cache; the default is {@link KvCacheType#F32}. */
        public Builder kvCacheType(KvCacheType type) {
            if (type == null) {
                throw new IllegalArgumentException("kvCacheType must not be null");
            }
            this.kvCacheType = type;
            return this;
        }

        public SessionOptions build() {
            return new SessionOptions(this);
        }
    }
}
