package io.github.moe4j.api;

import java.util.Arrays;

/**
 * The result of {@link Session#generate} or {@link Session#chat}.
 *
 * @param text       the generated text (without the end-of-generation token or the stop string)
 * @param tokens     the generated token ids, in order (without the end-of-generation token); a copy is returned
 * @param stopReason why generation ended
 * @param stats      timings
 */
public record Generation(String text, int[] tokens, StopReason stopReason, GenerationStats stats) {
    public Generation {
        tokens = tokens.clone();
    }

    /** The generated token ids (a copy). */
    @Override
    public int[] tokens() {
        return tokens.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Generation g && text.equals(g.text) && Arrays.equals(tokens, g.tokens)
                && stopReason == g.stopReason && stats.equals(g.stats);
    }

    @Override
    public int hashCode() {
        return (text.hashCode() * 31 + Arrays.hashCode(tokens)) * 31 + stopReason.hashCode();
    }

    @Override
    public String toString() {
        return "Generation[text=" + text + ", tokens=" + tokens.length + ", stopReason=" + stopReason
                + ", stats=" + stats + "]";
    }
}
