package io.github.moe4j.model;

import io.github.moe4j.quant.BlockFormat;
import io.github.moe4j.quant.BlockFormats;
import io.github.moe4j.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/** {@link Linear} over the scalar {@link BlockFormat#dot} references (f32 activations, not rounded). */
final class ScalarLinear implements Linear {

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
        for (int r = 0; r < rows; r++) {
            y[yOff + r] = f.dot(d, r * rb, x, xOff, cols);
        }
    }
}
