package io.github.moe4j.sampling;

/**
 * The sampler chain in llama.cpp's order: {@link Penalties}, {@link LogitBias}, then on the candidates
 * {@link TopK}, {@link TopP}, {@link MinP}, {@link Temperature} and a seeded {@link Draw}; with
 * temperature 0, greedy (the best candidate after penalties and bias: highest logit, lowest id on
 * ties). Everything is allocated at construction; {@link #accept} and {@link #sample} allocate nothing.
 * One chain per generation; not thread-safe.
 */
public final class SamplerChain {

    /**
     * Sampler settings.
     *
     * @param biasIds    token ids with a logit bias (same length as {@code biasValues})
     * @param biasValues their biases
     */
    public record Config(float temperature, int topK, float topP, float minP, float repeatPenalty,
                         float presencePenalty, float frequencyPenalty, int penaltyWindow,
                         int[] biasIds, float[] biasValues, long seed) {
    }

    private final int vocab;
    private final boolean greedy;
    private final Penalties penalties;
    private final LogitBias bias;
    private final TopK topK;
    private final TopP topP;
    private final MinP minP;
    private final Temperature temperature;
    private final Draw draw;
    private final Candidates cand;

    public SamplerChain(int vocab, Config c) {
        this.vocab = vocab;
        this.greedy = c.temperature() <= 0f;
        this.penalties = new Penalties(vocab, c.penaltyWindow(), c.repeatPenalty(), c.presencePenalty(), c.frequencyPenalty());
        this.bias = new LogitBias(c.biasIds(), c.biasValues());
        this.topK = new TopK(c.topK());
        this.topP = new TopP(c.topP());
        this.minP = new MinP(c.minP());
        this.temperature = greedy ? null : new Temperature(c.temperature());
        this.draw = new Draw(c.seed());
        this.cand = new Candidates(vocab);
    }

    /** Records a token (prompt or generated) for the penalties. */
    public void accept(int token) {
        penalties.accept(token);
    }

    /** Picks the next token from {@code logits[0, n_vocab)}; the array is modified (penalties, bias). */
    public int sample(float[] logits) {
        penalties.apply(logits, vocab);
        bias.apply(logits, vocab);
        if (greedy) {
            return Candidates.argmax(logits, vocab);
        }
        cand.reset(logits, vocab);
        topK.apply(cand);
        topP.apply(cand);
        minP.apply(cand);
        temperature.apply(cand);
        return draw.apply(cand);
    }
}
