package io.github.moe4j.synth;

import io.github.moe4j.tensor.GgmlType;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Which ggml type each tensor gets for a llama.cpp file type ("ftype", {@code general.file_type}),
 * following {@code llama_tensor_get_type} in llama.cpp's {@code llama-quant.cpp} for the ftypes below
 * (no importance matrix, no overrides). The rules that apply to them:
 * <ul>
 *   <li>only weights with 2 or more dimensions are quantized; {@code ffn_gate_inp} (the router), norms,
 *       biases and sinks stay F32;</li>
 *   <li>{@code output.weight} (or {@code token_embd.weight} when the embeddings are tied): Q8_0 when its
 *       row length is not a multiple of 256, else Q6_K unless the ftype's type is already Q8_0;</li>
 *   <li>{@code attn_v.weight}: Q6_K in Q4_K_M / Q5_K_M for the layers of {@code use_more_bits}
 *       (the first and last eighth and every third in between); Q5_K for the first 4 in Q4_K_S;
 *       Q8_0 for any ftype when the model has exactly 8 experts (as {@code attn_k.weight});</li>
 *   <li>{@code attn_output.weight}: Q5_K in Q4_K_S / Q4_K_M when the model has exactly 8 experts;</li>
 *   <li>{@code ffn_down*}: Q6_K in Q4_K_M / Q5_K_M for the blocks of {@code use_more_bits(layer, n_layer)};</li>
 *   <li>MXFP4_MOE: the stacked experts ({@code *_exps}) MXFP4, every other quantized tensor Q8_0;</li>
 *   <li>then the fallback for rows that do not split into whole blocks: Q4_K &rarr; Q5_0, Q5_K &rarr; Q5_1,
 *       Q6_K &rarr; Q8_0, and F16 when even that does not fit.</li>
 * </ul>
 * The fixture models' {@code tensors.json} (made with llama-quantize) agree with these rules file by file.
 */
public enum QuantMix {
    F16(1, GgmlType.F16),
    Q8_0(7, GgmlType.Q8_0),
    Q4_0(2, GgmlType.Q4_0),
    Q5_0(8, GgmlType.Q5_0),
    Q4_K_S(14, GgmlType.Q4_K),
    Q4_K_M(15, GgmlType.Q4_K),
    Q5_K_S(16, GgmlType.Q5_K),
    Q5_K_M(17, GgmlType.Q5_K),
    Q6_K(18, GgmlType.Q6_K),
    MXFP4_MOE(38, GgmlType.Q8_0);

    /** the {@code general.file_type} value (llama_ftype) */
    public final int fileType;
    final GgmlType base;

    QuantMix(int fileType, GgmlType base) {
        this.fileType = fileType;
        this.base = base;
    }

    public static QuantMix parse(String s) {
        try {
            return valueOf(s.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown --type '" + s + "' (known: "
                    + String.join(", ", Arrays.stream(values()).map(Enum::name).toList()) + ")");
        }
    }

    /**
     * The type of every tensor of {@code tensors} (same order), for a model with {@code nExpert} experts
     * and {@code nLayer} blocks.
     */
    GgmlType[] assign(List<SynthTensor> tensors, int nExpert, int nLayer) {
        boolean hasOutput = tensors.stream().anyMatch(t -> t.name().equals("output.weight"));
        int nAttnV = (int) tensors.stream().filter(t -> t.name().contains("attn_v.weight")).count();
        int iAttnV = 0;
        GgmlType[] out = new GgmlType[tensors.size()];
        for (int i = 0; i < out.length; i++) {
            SynthTensor t = tensors.get(i);
            if (t.kind() != SynthTensor.Kind.MATRIX) {
                out[i] = GgmlType.F32;
                continue;
            }
            if (this == F16) {
                out[i] = GgmlType.F16;
                continue;
            }
            String name = t.name();
            GgmlType type = base;
            if (this == MXFP4_MOE && name.contains("_exps.")) {
                type = GgmlType.MXFP4;
            }
            long nx = t.ne()[0];
            if (name.equals("output.weight") || (!hasOutput && name.equals("token_embd.weight"))) {
                if (nx % 256 != 0) {
                    type = GgmlType.Q8_0;
                } else if (type != GgmlType.Q8_0) {
                    type = GgmlType.Q6_K;
                }
            } else if (name.contains("attn_v.weight")) {
                if ((this == Q4_K_M || this == Q5_K_M) && useMoreBits(iAttnV, nAttnV)) {
                    type = GgmlType.Q6_K;
                } else if (this == Q4_K_S && iAttnV < 4) {
                    type = GgmlType.Q5_K;
                }
                if (nExpert == 8) {
                    type = GgmlType.Q8_0;
                }
                iAttnV++;
            } else if (name.contains("attn_k.weight")) {
                if (nExpert == 8) {
                    type = GgmlType.Q8_0;
                }
            } else if (name.contains("attn_output.weight")) {
                if (nExpert == 8 && (this == Q4_K_S || this == Q4_K_M)) {
                    type = GgmlType.Q5_K;
                }
            } else if (name.contains("ffn_down")) {
                if ((this == Q4_K_M || this == Q5_K_M) && useMoreBits(t.layer(), nLayer)) {
                    type = GgmlType.Q6_K;
                }
            }
            out[i] = fallback(type, nx);
        }
        return out;
    }

    /** llama.cpp's use_more_bits: the first and last eighth of the layers and every third one between. */
    static boolean useMoreBits(int i, int n) {
        return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
    }

    /** llama.cpp's replacement when the row length is not a multiple of the block size. */
    static GgmlType fallback(GgmlType type, long nx) {
        if (nx % type.blockSize() == 0) {
            return type;
        }
        GgmlType t = switch (type) {
            case Q4_K -> GgmlType.Q5_0;
            case Q5_K -> GgmlType.Q5_1;
            case Q6_K -> GgmlType.Q8_0;
            case Q2_K, Q3_K, IQ4_XS -> GgmlType.IQ4_NL;
            default -> GgmlType.F16;
        };
        return nx % t.blockSize() == 0 ? t : GgmlType.F16;
    }
}
