package io.github.moe4j.model;

import io.github.moe4j.quant.BlockFormat;
import io.github.moe4j.quant.BlockFormats;
import io.github.moe4j.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * {@link Linear} over the scalar references: each row is dequantized with
 * {@link BlockFormat#dequantize} into a per-thread buffer and dotted with {@code x} in float, in
 * element order (the same sum as {@link BlockFormat#dot}, f32 activations, not rounded). After the
 * first call of a thread with a given row length nothing is allocated.
 */
final class ScalarLinear implements Linear {
    private static final ThreadLocal<float[][]> ROW = ThreadLocal.withInitial(() -> new float[1][0]);

    @Override
    public void matvec(Tensor w, float[] x, int xOff, float[] y, int yOff) {
        Objects.requireNonNull(w, "weight");
        int cols = (int) w.dim(0);
        long rows = w.rowCount();
        Objects.checkFromIndexSize(xOff, cols, x.length);
        Objects.checkFromIndexSize(yOff, rows, y.length);
        BlockFormat f = BlockFormats.of(w.type());
        MemorySegment d = w.data();
        long rb = w.rowBytes();
        float[][] holder = ROW.get();
        if (holder[0].length < cols) {
            holder[0] = new float[cols];
        }
        float[] row = holder[0];
        for (int r = 0; r < rows; r++) {
            f.dequantize(d, r * rb, row, 0, cols);
            float sum = 0f;
            for (int i = 0; i < cols; i++) {
                sum += row[i] * x[xOff + i];
            }
            y[yOff + r] = sum;
        }
    }
}
