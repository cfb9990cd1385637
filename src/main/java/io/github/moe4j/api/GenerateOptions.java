package io.github.moe4j.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Options of one {@link Session#generate} or {@link Session#chat} call: length, stop strings and the
 * sampler chain. Immutable; build with {@link #builder()} or take {@link #defaults()}.
 *
 * <p>The sampler applies, in llama.cpp's order: repetition penalties over the last
 * {@link #penaltyWindow()} tokens, logit bias, top-k, top-p, min-p, temperature, then a draw from a
 * random generator seeded with {@link #seed()}. With temperature 0 it is greedy (the most likely
 * token, the lowest id on ties). The same seed and options on the same prompt give the same output,
 * every time.
 *
 * <p>Every setter checks its argument and throws {@link IllegalArgumentException} naming the option.
 */
public final class GenerateOptions {
    private static final GenerateOptions DEFAULTS = new Builder().build();

    private final int maxTokens;
    private final List<String> stopStrings;
    private final float temperature;
    private final int topK;
    private final float topP;
    private final float minP;
    private final float repeatPenalty;
    private final float presencePenalty;
    private final float frequencyPenalty;
    private final int penaltyWindow;
    private final Map<Integer, Float> logitBias;
    private final boolean seeded;
    private final long seed;
    private final boolean includeSpecialTokens;

    private GenerateOptions(Builder b) {
        maxTokens = b.maxTokens;
        stopStrings = List.copyOf(b.stopStrings);
        temperature = b.temperature;
        topK = b.topK;
        topP = b.topP;
        minP = b.minP;
        repeatPenalty = b.repeatPenalty;
        presencePenalty = b.presencePenalty;
        frequencyPenalty = b.frequencyPenalty;
        penaltyWindow = b.penaltyWindow;
        logitBias = Collections.unmodifiableMap(new LinkedHashMap<>(b.logitBias));
        seeded = b.seeded;
        seed = b.seed;
        includeSpecialTokens = b.includeSpecialTokens;
    }

    /**
     * The defaults (llama.cpp's): no token limit, no stop strings, temperature 0.8, top-k 40, top-p 0.95,
     * min-p 0.05, no penalties (window 64), no bias, a fresh random seed per call, special tokens hidden.
     */
    public static GenerateOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from these options. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.maxTokens = maxTokens;
        b.stopStrings = stopStrings;
        b.temperature = temperature;
        b.topK = topK;
        b.topP = topP;
        b.minP = minP;
        b.repeatPenalty = repeatPenalty;
        b.presencePenalty = presencePenalty;
        b.frequencyPenalty = frequencyPenalty;
        b.penaltyWindow = penaltyWindow;
        b.logitBias = new LinkedHashMap<>(logitBias);
        b.seeded = seeded;
        b.seed = seed;
        b.includeSpecialTokens = includeSpecialTokens;
        return b;
    }

    /** Most tokens to generate; 0: no limit (until end of generation, a stop string, or a full context). */
    public int maxTokens() {
        return maxTokens;
    }

    /** Generation stops when the text contains one of these; the stop string is not returned. */
    public List<String> stopStrings() {
        return stopStrings;
    }

    /** Divides the logits before the draw; 0 is greedy. */
    public float temperature() {
        return temperature;
    }

    /** Keep only the k most likely tokens; 0: off. */
    public int topK() {
        return topK;
    }

    /** Keep the most likely tokens whose probabilities add up to at least p; 1: off. */
    public float topP() {
        return topP;
    }

    /** Drop tokens less likely than {@code minP} times the most likely one; 0: off. */
    public float minP() {
        return minP;
    }

    /** Divides positive (multiplies negative) logits of tokens seen in the window; 1: off. */
    public float repeatPenalty() {
        return repeatPenalty;
    }

    /** Subtracted from the logit of every token seen in the window; 0: off. */
    public float presencePenalty() {
        return presencePenalty;
    }

    /** Subtracted from a token's logit once per occurrence in the window; 0: off. */
    public float frequencyPenalty() {
        return frequencyPenalty;
    }

    /** How many of the last tokens (prompt included) the penalties look at; 0: penalties off. */
    public int penaltyWindow() {
        return penaltyWindow;
    }

    /** Added to the logits of the given token ids before sampling (negative infinity bans a token). */
    public Map<Integer, Float> logitBias() {
        return logitBias;
    }

    /** The random seed; empty: a fresh random seed on every call. */
    public OptionalLong seed() {
        return seeded ? OptionalLong.of(seed) : OptionalLong.empty();
    }

    /** Whether special tokens (control tokens such as {@code <|im_end|>}) appear in the text. */
    public boolean includeSpecialTokens() {
        return includeSpecialTokens;
    }

    @Override
    public String toString() {
        return "GenerateOptions[maxTokens=" + maxTokens + ", stopStrings=" + stopStrings + ", temperature=" + temperature
                + ", topK=" + topK + ", topP=" + topP + ", minP=" + minP + ", repeatPenalty=" + repeatPenalty
                + ", presencePenalty=" + presencePenalty + ", frequencyPenalty=" + frequencyPenalty
                + ", penaltyWindow=" + penaltyWindow + ", logitBias=" + logitBias
                + ", seed=" + (seeded ? Long.toString(seed) : "random") + ", includeSpecialTokens=" + includeSpecialTokens + "]";
    }

    /** Builds {@link GenerateOptions}; each setter validates its argument. */
    public static final class Builder {
        private int maxTokens;
        private List<String> stopStrings = List.of();
        private float temperature = 0.8f;
        private int topK = 40;
        private float topP = 0.95f;
        private float minP = 0.05f;
        private float repeatPenalty = 1f;
        private float presencePenalty;
        private float frequencyPenalty;
        private int penaltyWindow = 64;
        private Map<Integer, Float> logitBias = new LinkedHashMap<>();
        private boolean seeded;
        private long seed;
        private boolean includeSpecialTokens;

        private Builder() {
        }

        /** Most tokens to generate (0: no limit). */
        public Builder maxTokens(int maxTokens) {
            if (maxTokens < 0) {
                throw new IllegalArgumentException("maxTokens must be >= 0 (0: no limit), got " + maxTokens);
            }
            this.maxTokens = maxTokens;
            return this;
        }

        /** Stop strings (non-empty); replaces earlier ones. */
        public Builder stopStrings(List<String> stopStrings) {
            if (stopStrings == null) {
                throw new IllegalArgumentException("stopStrings must not be null");
            }
            for (String s : stopStrings) {
                if (s == null || s.isEmpty()) {
                    throw new IllegalArgumentException("stopStrings must not contain null or empty strings");
                }
            }
            this.stopStrings = List.copyOf(stopStrings);
            return this;
        }

        /** Stop strings (non-empty); replaces earlier ones. */
        public Builder stopStrings(String... stopStrings) {
            if (stopStrings == null) {
                throw new IllegalArgumentException("stopStrings must not be null");
            }
            return stopStrings(java.util.Arrays.asList(stopStrings));
        }

        /** Temperature, finite and >= 0 (0: greedy). */
        public Builder temperature(float temperature) {
            if (!Float.isFinite(temperature) || temperature < 0) {
                throw new IllegalArgumentException("temperature must be finite and >= 0, got " + temperature);
            }
            this.temperature = temperature;
            return this;
        }

        /** Top-k, >= 0 (0: off). */
        public Builder topK(int topK) {
            if (topK < 0) {
                throw new IllegalArgumentException("topK must be >= 0 (0: off), got " + topK);
            }
            this.topK = topK;
            return this;
        }

        /** Top-p in (0, 1] (1: off). */
        public Builder topP(float topP) {
            if (!(topP > 0 && topP <= 1)) {
                throw new IllegalArgumentException("topP must be in (0, 1], got " + topP);
            }
            this.topP = topP;
            return this;
        }

        /** Min-p in [0, 1] (0: off). */
        public Builder minP(float minP) {
            if (!(minP >= 0 && minP <= 1)) {
                throw new IllegalArgumentException("minP must be in [0, 1], got " + minP);
            }
            this.minP = minP;
            return this;
        }

        /** Repeat penalty, finite and > 0 (1: off). */
        public Builder repeatPenalty(float repeatPenalty) {
            if (!Float.isFinite(repeatPenalty) || repeatPenalty <= 0) {
                throw new IllegalArgumentException("repeatPenalty must be finite and > 0 (1: off), got " + repeatPenalty);
            }
            this.repeatPenalty = repeatPenalty;
            return this;
        }

        /** Presence penalty, finite (0: off). */
        public Builder presencePenalty(float presencePenalty) {
            if (!Float.isFinite(presencePenalty)) {
                throw new IllegalArgumentException("presencePenalty must be finite, got " + presencePenalty);
            }
            this.presencePenalty = presencePenalty;
            return this;
        }

        /** Frequency penalty, finite (0: off). */
        public Builder frequencyPenalty(float frequencyPenalty) {
            if (!Float.isFinite(frequencyPenalty)) {
                throw new IllegalArgumentException("frequencyPenalty must be finite, got " + frequencyPenalty);
            }
            this.frequencyPenalty = frequencyPenalty;
            return this;
        }

        /** Tokens the penalties look back over, >= 0 (0: penalties off). */
        public Builder penaltyWindow(int penaltyWindow) {
            if (penaltyWindow < 0) {
                throw new IllegalArgumentException("penaltyWindow must be >= 0, got " + penaltyWindow);
            }
            this.penaltyWindow = penaltyWindow;
            return this;
        }

        /** Adds {@code bias} to token {@code id}'s logit (replaces an earlier bias of that id); NaN and +inf are refused. */
        public Builder logitBias(int id, float bias) {
            if (id < 0) {
                throw new IllegalArgumentException("logitBias token id must be >= 0, got " + id);
            }
            if (Float.isNaN(bias) || bias == Float.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("logitBias for token " + id + " must be finite or -infinity, got " + bias);
            }
            this.logitBias.put(id, bias);
            return this;
        }

        /** Replaces all logit biases with {@code bias} (token id to bias). */
        public Builder logitBias(Map<Integer, Float> bias) {
            if (bias == null) {
                throw new IllegalArgumentException("logitBias must not be null");
            }
            this.logitBias = new LinkedHashMap<>();
            bias.forEach((id, b) -> {
                if (id == null || b == null) {
                    throw new IllegalArgumentException("logitBias must not contain null keys or values");
                }
                logitBias(id, b);
            });
            return this;
        }

        /** A fixed seed: the same seed and options give the same output. */
        public Builder seed(long seed) {
            this.seeded = true;
            this.seed = seed;
            return this;
        }

        /** Whether special tokens appear in the text (default false). */
        public Builder includeSpecialTokens(boolean include) {
            this.includeSpecialTokens = include;
            return this;
        }

        public GenerateOptions build() {
            return new GenerateOptions(this);
        }
    }
}
