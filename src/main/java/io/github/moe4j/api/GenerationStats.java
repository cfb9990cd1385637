package io.github.moe4j.api;

import java.time.Duration;
import java.util.Locale;

/**
 * Timings of one generation.
 *
 * @param promptTokens             tokens of the prompt (template applied), including those reused from the KV cache
 * @param cachedPromptTokens       prompt tokens that were already in the KV cache and not evaluated again
 * @param promptTokensPerSecond    evaluated prompt tokens per second of prompt processing (0 when none was evaluated)
 * @param generatedTokens          tokens generated (the length of {@link Generation#tokens()})
 * @param generatedTokensPerSecond decode steps per second after the first token (0 when there were none)
 * @param timeToFirstToken         from the call until the first token was sampled (tokenizing and prompt processing
 *                                 included); {@link Duration#ZERO} when no token was sampled
 * @param total                    the whole call
 */
public record GenerationStats(int promptTokens, int cachedPromptTokens, double promptTokensPerSecond,
                              int generatedTokens, double generatedTokensPerSecond,
                              Duration timeToFirstToken, Duration total) {

    @Override
    public String toString() {
        return String.format(Locale.ROOT,
                "prompt %d tokens (%d cached) %.1f tok/s, generated %d tokens %.1f tok/s, first token %.1f ms, total %.1f ms",
                promptTokens, cachedPromptTokens, promptTokensPerSecond, generatedTokens, generatedTokensPerSecond,
                timeToFirstToken.toNanos() / 1e6, total.toNanos() / 1e6);
    }
}
