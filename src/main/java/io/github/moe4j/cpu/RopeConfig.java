package io.github.moe4j.cpu;

/**
 * Rotary position embedding parameters, with ggml's meaning ({@code ggml_rope_ext}).
 *
 * <p>Pair {@code i} ({@code 0 <= i < nRot/2}) at position {@code p} turns by {@code theta_i = p *
 * freqBase^(-2i/nRot)} (computed as ggml does: {@code theta *= freqBase^(-2/nRot)} in float, pair
 * by pair). With {@code extFactor == 0} the angle is {@code freqScale * theta_i} (plain RoPE when
 * freqScale is 1, linear scaling otherwise). With {@code extFactor != 0} (YaRN) it blends the
 * interpolated and the extrapolated angle by a ramp over the correction dims, and cos/sin are
 * additionally multiplied by {@code 1 + 0.1 ln(1/freqScale)}. Cos/sin are always multiplied by
 * {@code attnFactor}.
 *
 * <p>Families, as llama.cpp runs them: gpt-oss uses YaRN with attnFactor 1, so its cos/sin carry
 * {@link #yarnMscale}; deepseek2 passes {@code attnFactor = 1 / yarnMscale(freqScale)} so that its
 * RoPE mscale is 1, and folds its own mscale^2 into the attention scale instead.
 *
 * @param style      which elements pair up
 * @param nRot       rotated dimensions per head (even, at most the head size); the rest is untouched
 * @param freqBase   {@code rope.freq_base}
 * @param freqScale  1 / scaling factor (1 = none)
 * @param extFactor  YaRN extrapolation mix: 0 = no YaRN, 1 = YaRN
 * @param attnFactor multiplies cos and sin
 * @param betaFast   YaRN beta_fast (llama.cpp: 32)
 * @param betaSlow   YaRN beta_slow (llama.cpp: 1)
 * @param nCtxOrig   YaRN original context ({@code rope.scaling.original_context_length})
 */
public record RopeConfig(Style style, int nRot, float freqBase, float freqScale, float extFactor, float attnFactor,
                         float betaFast, float betaSlow, int nCtxOrig) {

    /** Pairing of the rotated elements within one head. */
    public enum Style {
        /** Adjacent pairs {@code (x[2i], x[2i+1])}: llama, granitemoe, deepseek2, mixtral. */
        NORMAL,
        /** Split halves {@code (x[i], x[i + nRot/2])}: qwen2moe, qwen3moe, olmoe, gpt-oss. */
        NEOX
    }

    public static final float YARN_BETA_FAST = 32.0f;
    public static final float YARN_BETA_SLOW = 1.0f;

    public RopeConfig {
        if (style == null) {
            throw new IllegalArgumentException("rope style is null");
        }
        if (nRot <= 0 || nRot % 2 != 0) {
            throw new IllegalArgumentException("rope nRot must be positive and even, got " + nRot);
        }
        if (!(freqBase > 0.0f) || !Float.isFinite(freqBase)) {
            throw new IllegalArgumentException("rope freq_base must be positive, got " + freqBase);
        }
        if (!(freqScale > 0.0f) || !Float.isFinite(freqScale)) {
            throw new IllegalArgumentException("rope freq_scale must be positive, got " + freqScale);
        }
        if (!Float.isFinite(extFactor) || !Float.isFinite(attnFactor)) {
            throw new IllegalArgumentException("rope ext_factor and attn_factor must be finite, got "
                    + extFactor + ", " + attnFactor);
        }
        if (extFactor != 0.0f && nCtxOrig <= 0) {
            throw new IllegalArgumentException("YaRN needs the original context length, got " + nCtxOrig);
        }
    }

    /** Plain RoPE. */
    public static RopeConfig plain(Style style, int nRot, float freqBase) {
        return new RopeConfig(style, nRot, freqBase, 1.0f, 0.0f, 1.0f, YARN_BETA_FAST, YARN_BETA_SLOW, 0);
    }

    /** Linear scaling: positions multiplied by {@code freqScale} (= 1 / factor). */
    public static RopeConfig linear(Style style, int nRot, float freqBase, float freqScale) {
        return new RopeConfig(style, nRot, freqBase, freqScale, 0.0f, 1.0f, YARN_BETA_FAST, YARN_BETA_SLOW, 0);
    }

    /**
     * YaRN as llama.cpp sets it up from GGUF: freqScale = 1 / factor, extFactor 1, beta 32 / 1,
     * attnFactor 1 (gpt-oss). Use {@link #withAttnFactor} for deepseek2.
     */
    public static RopeConfig yarn(Style style, int nRot, float freqBase, float factor, int nCtxOrig) {
        if (!(factor > 0.0f)) {
            throw new IllegalArgumentException("YaRN factor must be positive, got " + factor);
        }
        return new RopeConfig(style, nRot, freqBase, 1.0f / factor, 1.0f, 1.0f, YARN_BETA_FAST, YARN_BETA_SLOW, nCtxOrig);
    }

    public RopeConfig withAttnFactor(float attnFactor) {
        return new RopeConfig(style, nRot, freqBase, freqScale, extFactor, attnFactor, betaFast, betaSlow, nCtxOrig);
    }

    /** YaRN's magnitude correction {@code 1 + 0.1 ln(1 / freqScale)}, in float as ggml. */
    public static float yarnMscale(float freqScale) {
        return 1.0f + 0.1f * (float) Math.log(1.0f / freqScale);
    }

    // ---------------------------------------------------------------- ggml's YaRN correction dims

    /** {@code nRot * ln(nCtxOrig / (2 pi beta)) / (2 ln freqBase)}, in float. */
    private float corrDim(float beta) {
        return nRot * (float) Math.log(nCtxOrig / (beta * 2.0f * (float) Math.PI)) / (2.0f * (float) Math.log(freqBase));
    }

    /** Start of the ramp: {@code max(0, floor(corrDim(betaFast)))}. */
    public float corrLow() {
        return Math.max(0.0f, (float) Math.floor(corrDim(betaFast)));
    }

    /** End of the ramp: {@code min(nRot - 1, ceil(corrDim(betaSlow)))}. */
    public float corrHigh() {
        return Math.min(nRot - 1.0f, (float) Math.ceil(corrDim(betaSlow)));
    }

    // ---------------------------------------------------------------- angles

    /**
     * The scalar reference for the angles: writes {@code cos[off + i]} and {@code sin[off + i]}
     * (already multiplied by the mscale) for the {@code nRot/2} pairs at position {@code pos}.
     */
    public void cosSin(int pos, float[] cos, float[] sin, int off) {
        int half = nRot / 2;
        Checks.nonNegative("rope position", pos);
        Checks.range("rope cos", cos, off, half);
        Checks.range("rope sin", sin, off, half);
        float thetaScale = (float) Math.pow(freqBase, -2.0f / nRot);
        float low = corrLow();
        float high = corrHigh();
        float theta = pos;
        for (int i = 0; i < half; i++) {
            float thetaInterp = freqScale * theta;
            float angle = thetaInterp;
            float mscale = attnFactor;
            if (extFactor != 0.0f) {
                float y = (i - low) / Math.max(0.001f, high - low);
                float ramp = 1.0f - Math.min(1.0f, Math.max(0.0f, y));
                float mix = ramp * extFactor;
                angle = thetaInterp * (1.0f - mix) + theta * mix;
                mscale *= yarnMscale(freqScale);
            }
            cos[off + i] = (float) Math.cos(angle) * mscale;
            sin[off + i] = (float) Math.sin(angle) * mscale;
            theta *= thetaScale;
        }
    }
}
