/**
 * ggml block formats: one class per format with its byte layout (offsets as constants, a layout
 * comment), its size checked against {@link io.github.moe4j.tensor.GgmlType} when the class loads, and
 * plain scalar references that follow ggml's definitions exactly. Fast kernels are tested against them.
 *
 * <table>
 *   <caption>Formats and the activation type llama.cpp's CPU backend dots them with</caption>
 *   <tr><th>weights</th><th>block</th><th>vec_dot type</th></tr>
 *   <tr><td>F32, F16, BF16</td><td>1</td><td>same type (F16/BF16 round the activations)</td></tr>
 *   <tr><td>Q8_0, Q4_0, Q5_0, IQ4_NL, MXFP4</td><td>32</td><td>Q8_0</td></tr>
 *   <tr><td>Q4_1, Q5_1</td><td>32</td><td>Q8_1</td></tr>
 *   <tr><td>Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, IQ4_XS</td><td>256</td><td>Q8_K</td></tr>
 * </table>
 *
 * <p>Per format: {@link io.github.moe4j.quant.BlockFormat#dequantize} (ggml's dequantize_row_*, bit for
 * bit), {@link io.github.moe4j.quant.BlockFormat#dot} (f32 activations, float sum in element order),
 * {@link io.github.moe4j.quant.BlockFormat#vecDot} (ggml's generic vec_dot_*_q8_* on activations encoded
 * by {@link io.github.moe4j.quant.ActivationQuant}) and
 * {@link io.github.moe4j.quant.BlockFormat#randomBlocks} for tests and synthetic models.
 * {@link io.github.moe4j.quant.BlockFormats} is the registry and the load-time type check.
 */
package io.github.moe4j.quant;
